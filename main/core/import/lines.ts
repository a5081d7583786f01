/** Splits streamed text into lines (without their \n or \r\n) with 1-based line numbers. */
export async function* splitLines(chunks: AsyncIterable<string>): AsyncGenerator<{ text: string; line: number }> {
  let rest = '';
  let line = 1;
  for await (const chunk of chunks) {
    const buf = rest + chunk;
    let from = 0;
    for (let nl = buf.indexOf('\n', from); nl !== -1; nl = buf.indexOf('\n', from)) {
      const end = nl > from && buf.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      yield { text: buf.slice(from, end), line: line++ };
      from = nl + 1;
    }
    rest = buf.slice(from);
  }
  if (rest.length) yield { text: rest.endsWith('\r') ? rest.slice(0, -1) : rest, line };
}
