// Template filling and the truncation rules of models/PACK_FORMAT.md. Kept pure
// so the exact token sequences the runtime feeds the model are unit-testable
// against hand-written expectations.

/**
 * Replace `{name}` placeholders in one pass, so braces inside the inserted values
 * (a user's draft can contain "{input}") are never substituted again. Unknown
 * placeholders are left as written.
 */
export function fillTemplate(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => (Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole));
}

/** Keep the first `max` ids (documents are cut from the right). */
export function keepFirst(ids: readonly number[], max: number): number[] {
  return ids.length <= max ? ids.slice() : ids.slice(0, max);
}

/** Keep the last `max` ids (prompts keep their end, where the task cue sits). */
export function keepLast(ids: readonly number[], max: number): number[] {
  return ids.length <= max ? ids.slice() : ids.slice(ids.length - max);
}

export interface SequenceSpec {
  bosId: number;
  maxDocTokens: number;
  maxPromptTokens: number;
}

/** `[bos] + enc(document(text))[:max_doc_tokens]`. */
export function documentIds(encode: (text: string) => number[], documentTemplate: string, text: string, spec: SequenceSpec): number[] {
  return [spec.bosId, ...keepFirst(encode(fillTemplate(documentTemplate, { text })), spec.maxDocTokens)];
}

/** `[bos] + enc(prompt)` with the prompt keeping its last `max_prompt_tokens` tokens. */
export function promptIds(encode: (text: string) => number[], taskPrompt: string, input: string, spec: SequenceSpec): number[] {
  return [spec.bosId, ...keepLast(encode(fillTemplate(taskPrompt, { input })), spec.maxPromptTokens)];
}

/**
 * The prompt-concat baseline's text: every document through `concat_document`
 * (numbered from 1), then the task prompt.
 */
export function concatPromptText(concatTemplate: string, docs: readonly string[], taskPrompt: string, input: string): string {
  let s = '';
  docs.forEach((text, i) => {
    s += fillTemplate(concatTemplate, { i: i + 1, text });
  });
  return s + fillTemplate(taskPrompt, { input });
}
