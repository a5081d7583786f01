// Restyle: a draft rewritten in a profile's style, streamed token by token, each
// finished suggestion written to the history with the closest of the person's own documents.
import { randomUUID } from 'node:crypto';
import type { Task } from '../core/inputs.js';
import { garbledReason } from '../core/garbled.js';
import { OffensiveStreamFilter } from '../core/offensive-words.js';
import { blendTowards, DEFAULT_STRENGTH, strengthProblem } from '../core/style-strength.js';
import * as store from '../store/index.js';
import { InferenceError } from '../jobs/inference-client.js';
import type { GenerateParams } from '../jobs/inference-protocol.js';
import { ServiceError } from './errors.js';
import type { ServiceContext } from './context.js';
import { requireProfile } from './library.js';
import type { Packs } from './packs.js';
import type { Preferences } from './preferences.js';
import { requireInt } from './validate.js';
import { DOC_KINDS, TASKS, type ClosestDocument, type DocKind, type DocsUsed, type RestyleEvent, type RestyleRequest, type RestyleService } from './types.js';

const TASK_KIND: Record<Task, DocKind> = { paraphrase: 'tweet', headline: 'article' };
/** Documents shown beside each suggestion as the closest of the person's own. */
const CLOSEST_DOCUMENTS = 3;

/** The loaded pack's reference mean for a kind; a pack without one cannot weaken a style (the request says why it fails). */
function referenceFor(info: { packId: string; reference?: { tweet?: Float32Array; article?: Float32Array } | null }, kind: DocKind): Float32Array {
  const ref = info.reference?.[kind];
  if (!ref)
    throw new ServiceError(
      'INVALID_INPUT',
      `the model pack "${info.packId}" has no reference mean for ${kind}s, so a style strength below "fully me" cannot be applied (build one with: commer reference-mean)`,
    );
  return ref;
}

export interface RestyleDeps {
  packs: Pick<Packs, 'activePackId' | 'activationError' | 'ensureActivated'>;
  prefs: Preferences;
}

export function createRestyle({ db, storeCall, emit, client }: ServiceContext, { packs, prefs }: RestyleDeps): RestyleService {
  async function* run(req: RestyleRequest, signal?: AbortSignal): AsyncGenerator<RestyleEvent> {
    const profile = storeCall(() => requireProfile(db, req?.profileId));
    if (!TASKS.includes(req.task)) throw new ServiceError('INVALID_INPUT', `task must be one of ${TASKS.join(', ')}`);
    if (typeof req.draft !== 'string' || !req.draft.trim()) throw new ServiceError('INVALID_INPUT', 'the draft is empty');
    if (req.draft.length > 20_000) throw new ServiceError('INVALID_INPUT', 'the draft is longer than 20,000 characters');
    const n = req.n === undefined ? 3 : requireInt(req.n, 'n', 1, 5);
    const strengthBad = req.strength === undefined ? null : strengthProblem(req.strength);
    if (strengthBad) throw new ServiceError('INVALID_INPUT', strengthBad);
    const strength = req.strength ?? DEFAULT_STRENGTH;
    await packs.ensureActivated();
    const info = client.info;
    if (!info || !packs.activePackId()) throw new ServiceError('NO_PACK', packs.activationError() ?? 'no model pack is loaded; choose one in Settings');

    const taskKind = TASK_KIND[req.task];
    const counts = store.countDocuments(db, profile.id);
    const kinds: DocKind[] = req.kind && req.kind !== 'any' ? [req.kind] : req.kind === 'any' ? [...DOC_KINDS] : counts[taskKind] > 0 ? [taskKind] : [...DOC_KINDS];
    let merged: Float32Array | null = null;
    let usedDocs = 0;
    let relevantIds: number[] = [];
    const docsUsed: DocsUsed = { selection: 'none', requested: null, matched: null, used: 'none', count: 0 };
    if (req.docs !== 'none') {
      let mean: store.Mean | null = null;
      if (typeof req.docs === 'object' && req.docs !== null) {
        const want = requireInt(req.docs.relevant, 'docs.relevant', 1, 10_000);
        const found = store.relevantDocumentIds(db, profile.id, req.draft, want, kinds, info.packId);
        relevantIds = found;
        mean = found.length ? store.meanOfDocuments(db, info.packId, found) : null;
        Object.assign(docsUsed, { selection: 'relevant', requested: want, matched: found.length, used: mean ? 'relevant' : 'all' });
      } else if (req.docs !== 'all') throw new ServiceError('INVALID_INPUT', "docs must be 'all', 'none' or {relevant: N}");
      else Object.assign(docsUsed, { selection: 'all', used: 'all' });
      // No document shares a word with the draft: the whole profile is the next best evidence of style (docsUsed says so).
      mean ??= store.getMean(db, profile.id, info.packId, kinds);
      if (mean) {
        merged = strength === 1 ? mean.mean : blendTowards(referenceFor(info, taskKind), mean.mean, strength);
        usedDocs = mean.count;
        docsUsed.count = mean.count;
      } else if (counts.tweet + counts.article > 0) {
        // Documents exist but none is learned yet: generic text would pass for theirs, so say why there is none.
        const pending = store.profileCompressionCounts(db, profile.id, info.packId).pending;
        throw new ServiceError(
          'NO_DOCUMENTS',
          pending > 0
            ? `"${profile.name}" has ${pending} documents still being compressed; try again when the queue is done`
            : `none of "${profile.name}"'s ${kinds.map((k) => `${k}s`).join(' or ')} is learned with this pack`,
        );
      } else {
        // A profile with no documents at all: generic suggestions (the n = 0 generation), as the Restyle page promises; docsUsed says so.
        docsUsed.used = 'none';
      }
    }
    // Without documents there is no "me" to weigh: the strength is recorded as not applied.
    const appliedStrength = merged ? strength : null;
    const sp = req.sampling ?? {};
    const params: GenerateParams = {
      merged,
      task: req.task,
      input: req.draft.trim(),
      n,
      temperature: sp.temperature ?? 0.8,
      topK: sp.topK ?? 40,
      topP: sp.topP ?? 0.95,
      repetitionPenalty: sp.repetitionPenalty ?? 1.1,
      seed: sp.seed ?? Math.floor(Math.random() * 2 ** 31),
      maxNewTokens: sp.maxNewTokens ?? info.maxNewTokens,
    };
    const save = req.save !== false;
    // "Why it sounds like you": among the documents the style came from (the merged ones of a "most relevant" run).
    const closestAmong = docsUsed.used === 'relevant' ? relevantIds : undefined;
    const closestTo = (text: string): ClosestDocument[] =>
      docsUsed.used === 'none' || !text
        ? []
        : storeCall(() => store.closestDocuments(db, { profileId: profile.id, text, kinds, packId: info.packId, among: closestAmong, limit: CLOSEST_DOCUMENTS })).map((r) => ({
            id: r.id,
            kind: r.kind,
            source: r.source,
            writtenAt: r.written_at,
            importedAt: r.imported_at,
            snippet: r.snippet,
            marks: r.marks,
          }));
    const texts: string[] = Array.from({ length: n }, () => '');
    // Masked as they stream: the suggestions are sampled from a model trained on other people's tweets.
    const filters = Array.from({ length: n }, () => (prefs.filterOffensive ? new OffensiveStreamFilter() : null));
    const shown = (c: number, text: string) => filters[c]?.push(text) ?? text;
    yield { type: 'start', restyleId: randomUUID(), packId: info.packId, usedDocs, n, docs: docsUsed, seed: params.seed, strength: appliedStrength };
    let aborted = false;
    try {
      for await (const ev of client.generate(params, signal)) {
        if (!ev.done) {
          texts[ev.candidate] += ev.text;
          yield { type: 'token', candidate: ev.candidate, tokenId: ev.tokenId, text: shown(ev.candidate, ev.text) };
          continue;
        }
        // The closing event can carry the last token's text (finish by length): stream it like any other,
        // with whatever the filter still held back.
        const filter = filters[ev.candidate];
        const last = (ev.text ? shown(ev.candidate, ev.text) : '') + (filter?.end() ?? '');
        texts[ev.candidate] += ev.text;
        if (last) yield { type: 'token', candidate: ev.candidate, tokenId: ev.tokenId, text: last };
        const reason = ev.finishReason ?? 'eos';
        if (reason === 'aborted') aborted = true;
        const masked = filter?.result() ?? { text: texts[ev.candidate]!, hidden: 0 };
        const text = masked.text.trim();
        const garbled = garbledReason(text);
        let generationId: number | null = null;
        if (save && reason !== 'aborted' && text) {
          generationId = storeCall(() =>
            store.insertGeneration(db, {
              profileId: profile.id,
              profileName: profile.name,
              task: req.task,
              draft: req.draft,
              output: text,
              packId: info.packId,
              settings: {
                docs: req.docs,
                usedDocs,
                docsUsed,
                strength: appliedStrength,
                hidden: masked.hidden,
                garbled,
                sampling: { ...params, merged: undefined, input: undefined, task: undefined, n: undefined },
                candidate: ev.candidate,
              },
            }),
          );
        }
        const closest = reason === 'aborted' ? [] : closestTo(text);
        yield { type: 'candidate-done', candidate: ev.candidate, text, finishReason: reason, generationId, hidden: masked.hidden, garbled, closest };
      }
    } catch (err) {
      if (err instanceof InferenceError) {
        if (err.code === 'CANCELLED') aborted = true;
        else throw new ServiceError('INFERENCE_FAILED', err.message);
      } else throw err;
    }
    if (signal?.aborted) aborted = true;
    if (save) emit({ type: 'data-changed', what: 'history' });
    yield { type: 'done', aborted };
  }

  return { run: (req, signal) => run(req, signal) };
}
