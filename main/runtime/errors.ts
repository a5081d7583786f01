// Typed errors of the runtime. A bad pack must never surface as an untyped throw
// or a crash: everything that can be wrong with a pack maps to one PackError code
// with a message that tells the user what to fix.

export type PackErrorCode =
  | 'not_found' // the directory or manifest.json is missing
  | 'not_a_pack' // manifest.json is not a ComMer pack manifest
  | 'newer_format' // format_version newer than this build understands
  | 'invalid_manifest' // schema or cross-field rule violated
  | 'missing_file' // a file listed in the manifest is absent
  | 'size_mismatch' // a file's byte count differs from the manifest
  | 'hash_mismatch' // a file's sha256 differs from the manifest
  | 'bad_tokenizer' // tokenizer.json cannot be loaded or disagrees with the manifest
  | 'bad_tensor' // a tensor file holds values no model can use (NaN, infinity)
  | 'bad_graph' // backbone.onnx cannot be loaded or its inputs/outputs are wrong
  | 'io_error'; // the file system refused a read

/** A pack that cannot be used, and why. `file` names the offending file when there is one. */
export class PackError extends Error {
  override readonly name = 'PackError';
  constructor(
    readonly code: PackErrorCode,
    message: string,
    readonly file?: string,
  ) {
    super(message);
  }
}

/** Thrown by runtime calls given invalid arguments (empty input, bad sampling settings, wrong vector size). */
export class RuntimeInputError extends Error {
  override readonly name = 'RuntimeInputError';
}

/** Thrown when a caller's AbortSignal fires during compress (generate ends its candidates instead). */
export class AbortError extends Error {
  override readonly name = 'AbortError';
  constructor(message = 'the operation was cancelled') {
    super(message);
  }
}
