#!/usr/bin/env node
// Run a pack's backbone.onnx with onnxruntime-node on fixed inputs and print the
// outputs, so the Python tests can compare them with PyTorch (onnxruntime for
// Python is not available here).
//
//   node models/scripts/ort_check.mjs < spec.json
//
// spec: {
//   "pack": "<pack dir>",
//   "runs": [{
//     "ids": [[...], ...]            token ids -> inputs_embeds via embeddings.f32
//     | "inputs_embeds": {"dims": [b, t, d], "data": [...]},
//     "append_compression": false,   append compression.f32 rows after the ids
//     "prepend_soft_prompt": false,  put soft_prompt.f32 rows before the ids
//     "attention_mask": [[...]], "position_ids": [[...]],
//     "lora_scale": 0 | 1,
//     "num_logits": n,               logits for the last n positions (default: all)
//     "past_from": null | <index of an earlier run whose present.* become past>,
//     "outputs": ["logits", "last_hidden_state", ...]
//   } | {"greedy": {"ids": [...], "prefix_embeds": null | {"data": [...]}, "max_new_tokens": n, "stop_ids": [...]}}]
// }
// stdout: {"runs": [{<name>: {"dims": [...], "data": [...]}} | {"greedy_ids": [...]}]}
import { readFileSync } from "node:fs";
import { join } from "node:path";

// onnxruntime-node's native telemetry stays off (see main/runtime/no-telemetry.ts): the
// variable must be set before onnxruntime creates its environment, and a static import
// would be evaluated before this line.
process.env.ORT_DISABLE_TELEMETRY = "1";
const ort = await import("onnxruntime-node");

const spec = JSON.parse(readFileSync(0, "utf8"));
const manifest = JSON.parse(
  readFileSync(join(spec.pack, "manifest.json"), "utf8"),
);
const {
  dim,
  n_layers: nLayers,
  n_kv_heads: nKv,
  head_dim: headDim,
} = manifest.backbone;

function f32File(name) {
  const buf = readFileSync(join(spec.pack, name));
  return new Float32Array(
    buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength),
  );
}
const embeddings = f32File("embeddings.f32");
const compression = f32File("compression.f32");
const softPrompt = manifest.files["soft_prompt.f32"]
  ? f32File("soft_prompt.f32")
  : new Float32Array(0);

function embedRows(ids, before, after) {
  const b = ids.length;
  const rows = before.length / dim + ids[0].length + after.length / dim;
  const out = new Float32Array(b * rows * dim);
  for (let i = 0; i < b; i++) {
    if (ids[i].length !== ids[0].length)
      throw new Error("ids rows must have equal length (pad them)");
    let o = i * rows * dim;
    out.set(before, o);
    o += before.length;
    for (const id of ids[i]) {
      out.set(embeddings.subarray(id * dim, (id + 1) * dim), o);
      o += dim;
    }
    out.set(after, o);
  }
  return new ort.Tensor("float32", out, [b, rows, dim]);
}

const i64 = (rows) =>
  new ort.Tensor(
    "int64",
    BigInt64Array.from(rows.flat().map((x) => BigInt(x))),
    [rows.length, rows[0].length],
  );

const session = await ort.InferenceSession.create(
  join(spec.pack, "backbone.onnx"),
  {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
  },
);
const emptyPast = (batch) => {
  const feeds = {};
  for (let l = 0; l < nLayers; l++) {
    for (const kv of ["key", "value"])
      feeds[`past_key_values.${l}.${kv}`] = new ort.Tensor(
        "float32",
        new Float32Array(0),
        [batch, nKv, 0, headDim],
      );
  }
  return feeds;
};
const argmax = (data, off, n) => {
  let best = 0;
  for (let i = 1; i < n; i++) if (data[off + i] > data[off + best]) best = i;
  return best;
};

/** Element-wise mean over the batch of the last k rows of a [b, t, dim] tensor: the
 * merge of a batch of compressions. */
function meanLastRows(t, k) {
  const [b, n, d] = t.dims.map(Number);
  const out = new Float32Array(k * d);
  for (let i = 0; i < b; i++) {
    for (let r = 0; r < k; r++) {
      for (let j = 0; j < d; j++)
        out[r * d + j] += t.data[(i * n + n - k + r) * d + j] / b;
    }
  }
  return out;
}

/** The num_logits feed, for graphs that have the input (packs exported before it lack it). */
function numLogits(n) {
  return session.inputNames.includes("num_logits")
    ? { num_logits: new ort.Tensor("int64", BigInt64Array.from([BigInt(n)]), []) }
    : {};
}

/** Greedy decoding with the KV cache, the plain loop a runtime would run. */
async function greedy(g) {
  const prefix = g.prefix_from
    ? meanLastRows(raw[g.prefix_from.run].last_hidden_state, g.prefix_from.k)
    : g.prefix_embeds
      ? Float32Array.from(g.prefix_embeds.data)
      : new Float32Array(0);
  let embeds = embedRows([g.ids], prefix, new Float32Array(0));
  let total = embeds.dims[1];
  let feeds = {
    inputs_embeds: embeds,
    attention_mask: i64([Array(total).fill(1)]),
    position_ids: i64([Array.from({ length: total }, (_, i) => i)]),
    lora_scale: new ort.Tensor("float32", Float32Array.from([0]), []),
    ...numLogits(1),
    ...emptyPast(1),
  };
  const out = [];
  const vocab = manifest.backbone.vocab_size;
  for (let step = 0; step < g.max_new_tokens; step++) {
    const res = await session.run(feeds);
    const t = res.logits.dims[1];
    const next = argmax(res.logits.data, (t - 1) * vocab, vocab);
    if (g.stop_ids.includes(next)) break;
    out.push(next);
    total += 1;
    feeds = {
      inputs_embeds: embedRows(
        [[next]],
        new Float32Array(0),
        new Float32Array(0),
      ),
      attention_mask: i64([Array(total).fill(1)]),
      position_ids: i64([[total - 1]]),
      lora_scale: feeds.lora_scale,
      ...numLogits(1),
    };
    for (let l = 0; l < nLayers; l++) {
      for (const kv of ["key", "value"])
        feeds[`past_key_values.${l}.${kv}`] = res[`present.${l}.${kv}`];
    }
  }
  return out;
}

const results = [];
const raw = [];
for (const run of spec.runs) {
  if (run.greedy) {
    results.push({ greedy_ids: await greedy(run.greedy) });
    raw.push(null);
    continue;
  }
  const embeds = run.ids
    ? embedRows(
        run.ids,
        run.prepend_soft_prompt ? softPrompt : new Float32Array(0),
        run.append_compression ? compression : new Float32Array(0),
      )
    : new ort.Tensor(
        "float32",
        Float32Array.from(run.inputs_embeds.data),
        run.inputs_embeds.dims,
      );
  const batch = embeds.dims[0];
  const feeds = {
    inputs_embeds: embeds,
    attention_mask: i64(run.attention_mask),
    position_ids: i64(run.position_ids),
    lora_scale: new ort.Tensor(
      "float32",
      Float32Array.from([run.lora_scale]),
      [],
    ),
    ...numLogits(run.num_logits ?? embeds.dims[1]),
  };
  for (let l = 0; l < nLayers; l++) {
    for (const kv of ["key", "value"]) {
      feeds[`past_key_values.${l}.${kv}`] =
        run.past_from === null || run.past_from === undefined
          ? new ort.Tensor("float32", new Float32Array(0), [
              batch,
              nKv,
              0,
              headDim,
            ])
          : raw[run.past_from][`present.${l}.${kv}`];
    }
  }
  const out = await session.run(feeds);
  raw.push(out);
  const rec = {};
  for (const name of run.outputs ?? ["logits", "last_hidden_state"]) {
    rec[name] = {
      dims: out[name].dims.map(Number),
      data: Array.from(out[name].data),
    };
  }
  results.push(rec);
}
process.stdout.write(JSON.stringify({ runs: results }));
