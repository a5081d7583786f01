// The host-independent half of every call: parse the input with the channel's schema,
// run the handler, and wrap whatever happens in a Result. Electron's handle() wrapper
// and the web host both go through here, so a bad payload gets the same answer on
// either host.
import { toErrorData } from '../services/errors.js';
import { parseRequest, requestSchemas, type AppError, type InvokeChannel, type RequestOf, type ResponseOf, type Result } from './contract.js';

export type Handler<C extends InvokeChannel> = (input: RequestOf<C>) => ResponseOf<C> | Promise<ResponseOf<C>>;
export type HandlerTable = { [C in InvokeChannel]: Handler<C> };

export function isInvokeChannel(channel: string): channel is InvokeChannel {
  return Object.prototype.hasOwnProperty.call(requestSchemas, channel);
}

/** Maps anything a handler throws to the error half of a Result, keeping service codes. */
export function toAppError(err: unknown): AppError {
  const data = toErrorData(err);
  if (data.code === 'INTERNAL' && err instanceof Error && err.name === 'PackError') {
    return { code: 'PACK_INVALID', message: err.message };
  }
  return data;
}

export async function dispatch<C extends InvokeChannel>(table: Pick<HandlerTable, C>, channel: C, rawInput: unknown): Promise<Result<ResponseOf<C>>> {
  const parsed = parseRequest(channel, rawInput);
  if (!parsed.ok) return parsed;
  try {
    const value = await table[channel](parsed.value as RequestOf<C>);
    return { ok: true, value };
  } catch (err) {
    return { ok: false, error: toAppError(err) };
  }
}
