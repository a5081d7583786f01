#!/usr/bin/env node
// Builds what the hosts load from dist/:
//   dist/renderer/                      the React renderer (Vite, renderer/vite.config.ts)
//   dist/main/app/electron-main.js      Electron main process (esbuild, ESM)
//   dist/main/app/inference.worker.js   inference host: Electron utilityProcess or worker thread
//   dist/preload/preload.cjs            the sandboxed preload (esbuild, CommonJS, one file)
//
//   node scripts/build.mjs                   everything
//   node scripts/build.mjs --if-stale        only the parts whose sources changed since their last build
//   node scripts/build.mjs --only=renderer   one part: renderer | electron
//
// Native packages (better-sqlite3, onnxruntime-node) and electron stay external:
// electron-builder ships them from node_modules, rebuilt for Electron's ABI.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const ifStale = args.includes('--if-stale');
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
for (const a of args) {
  if (a !== '--if-stale' && !a.startsWith('--only=')) {
    console.error(`build: unknown argument "${a}" (known: --if-stale, --only=renderer|electron)`);
    process.exit(2);
  }
}
if (only && only !== 'renderer' && only !== 'electron') {
  console.error(`build: --only must be renderer or electron, not "${only}"`);
  process.exit(2);
}

const NATIVE = ['electron', 'better-sqlite3', 'onnxruntime-node'];

/** Newest modification time under the given paths (files or folders), skipping tests and outputs. */
function newest(paths) {
  let t = 0;
  const visit = (p) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p)) {
        if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
        visit(join(p, name));
      }
    } else t = Math.max(t, st.mtimeMs);
  };
  for (const p of paths) visit(join(root, p));
  return t;
}

/** Oldest modification time of the outputs, or 0 when one is missing. */
function oldest(files) {
  let t = Infinity;
  for (const f of files) {
    const p = join(root, f);
    if (!existsSync(p)) return 0;
    t = Math.min(t, statSync(p).mtimeMs);
  }
  return t;
}

const parts = [
  {
    name: 'renderer',
    // The renderer imports the contract and the web client from main/ipc and main/web.
    sources: ['renderer', 'main/ipc', 'main/web/client', 'main/services/types.ts', 'main/core', 'package.json'],
    outputs: ['dist/renderer/index.html'],
    build: buildRenderer,
  },
  {
    name: 'electron',
    sources: ['main', 'preload', 'package.json', 'scripts/build.mjs'],
    outputs: ['dist/main/app/electron-main.js', 'dist/main/app/inference.worker.js', 'dist/preload/preload.cjs'],
    build: buildElectron,
  },
];

async function buildRenderer() {
  if (!existsSync(join(root, 'renderer', 'vite.config.ts'))) throw new Error('renderer/vite.config.ts is missing');
  const { build } = await import('vite');
  await build({
    configFile: join(root, 'renderer', 'vite.config.ts'),
    logLevel: 'warn',
    build: {
      rollupOptions: {
        onwarn(warning, warn) {
          // zod's sources carry comments Rollup cannot place; harmless, and not ours to fix.
          if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('node_modules')) return;
          warn(warning);
        },
      },
    },
  });
}

async function buildElectron() {
  const esbuild = await import('esbuild');
  const common = {
    bundle: true,
    platform: 'node',
    // Electron 38 runs Node 22.
    target: 'node22',
    sourcemap: 'linked',
    external: NATIVE,
    logLevel: 'warning',
    absWorkingDir: root,
  };
  await esbuild.build({
    ...common,
    entryPoints: {
      'main/app/electron-main': 'main/app/electron-main.ts',
      'main/app/inference.worker': 'main/jobs/inference.worker.ts',
    },
    outdir: 'dist',
    format: 'esm',
    // Bundled CommonJS dependencies still call require(); ESM has none of its own.
    banner: { js: "import { createRequire as __commerRequire } from 'node:module'; const require = __commerRequire(import.meta.url);" },
  });
  await esbuild.build({
    ...common,
    entryPoints: ['preload/preload.ts'],
    outfile: 'dist/preload/preload.cjs',
    // A sandboxed preload is a classic script with a limited require(): one self-contained CommonJS file.
    platform: 'browser',
    target: 'chrome130',
    format: 'cjs',
    external: ['electron'],
    // zod comes along with the contract; minified, the preload stays small to parse on every window load.
    minify: true,
  });
}

let built = 0;
for (const part of parts) {
  if (only && part.name !== only) continue;
  if (ifStale && oldest(part.outputs) > newest(part.sources)) {
    console.log(`[build] ${part.name}: up to date`);
    continue;
  }
  const t0 = Date.now();
  try {
    await part.build();
  } catch (err) {
    console.error(`[build] ${part.name} failed: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  }
  built++;
  console.log(`[build] ${part.name}: built in ${((Date.now() - t0) / 1000).toFixed(1)} s -> ${part.outputs.map((o) => relative(root, join(root, o))).join(', ')}`);
}
if (!built && !ifStale) console.log('[build] nothing to build');
