#!/usr/bin/env node
// Tokenize texts with @huggingface/tokenizers, the library the app uses, so the
// Python tests can compare its ids with SentencePiece's.
//
//   node models/scripts/hf_tokenize.mjs <tokenizer.json> < texts.jsonl
//
// stdin: one JSON string per line. stdout: one JSON object per line,
// {"ids": [...], "decoded": "..."}, with no special tokens added.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { Tokenizer } from "@huggingface/tokenizers";

const path = process.argv[2];
if (!path) {
  console.error("usage: hf_tokenize.mjs <tokenizer.json> < texts.jsonl");
  process.exit(2);
}
const tok = new Tokenizer(JSON.parse(readFileSync(path, "utf8")), {
  clean_up_tokenization_spaces: false,
});
const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (line.length === 0) continue;
  const text = JSON.parse(line);
  const ids = tok.encode(text, { add_special_tokens: false }).ids;
  const decoded = ids.length
    ? tok.decode(ids, { clean_up_tokenization_spaces: false })
    : "";
  process.stdout.write(JSON.stringify({ ids, decoded }) + "\n");
}
