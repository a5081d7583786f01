// Public surface of the runtime. Other layers import from here only.
//
//   const model = await loadModel(packDir, { executionProvider: 'auto', threads: 0 });
//   model.info                      pack id, k, dim, provider in use, threads, format, source, manifest
//   await model.compress(texts)     Float32Array[k*dim] per text (batched, left padded)
//   for await (const ev of model.generate({ merged, task: 'paraphrase', input, n: 3, temperature: 0.8, seed: 1 }))
//     ev = { candidate, tokenId, text, done?, finishReason? }
//   model.generateConcat({ docs, task, input })   prompt-concat baseline
//   model.continueText('Once upon a time')        plain continuation
//   await model.dispose()
//
// Bad packs throw PackError {code, message, file}; bad arguments RuntimeInputError.

export { loadModel, validatePack } from './model.js';
export type {
  CommerModel,
  CompressOptions,
  ConcatRequest,
  ConcatScoreRequest,
  GenerateOptions,
  GenerateRequest,
  GenerateTask,
  LoadModelOptions,
  ModelInfo,
  ScoreRequest,
  TargetScore,
  TokenEvent,
} from './model.js';
export { readPack, checkGraph, sha256File, type LoadedPack } from './pack-loader.js';
export { Float32EmbeddingTable, Q8EmbeddingTable, type EmbeddingTable } from './embedding-table.js';
export { PackError, RuntimeInputError, AbortError, type PackErrorCode } from './errors.js';
export { candidateProviders, defaultThreads, describeBackends, type ProviderChoice, type ProviderName } from './ort-session.js';
export { createTokenizer, IncrementalDecoder, type StreamDecoder, type TextTokenizer } from './tokenizer.js';
export { RunningMean, meanOf } from '../core/running-mean.js';
