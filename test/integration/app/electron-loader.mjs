// Module hook for the composition test: `electron` resolves to fake-electron.ts.
const fakeUrl = new URL('./fake-electron.ts', import.meta.url).href;
export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: fakeUrl, shortCircuit: true };
  return next(specifier, context);
}
