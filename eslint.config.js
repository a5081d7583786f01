// One linter for the whole TypeScript tree. Its main job here is the layering:
// imports only point down (core <- runtime/store <- jobs/services <- hosts), and
// only the adapters touch native packages.
import tseslint from 'typescript-eslint';

const native = ['electron', 'onnxruntime-node', 'better-sqlite3'];
const nativePatterns = [...native, ...native.map((n) => `${n}/*`)];
// onnxruntime-node's native telemetry must be off before it loads (main/runtime/no-telemetry.ts);
// ort-session.ts sees to that, so everything else goes through it.
const ortOnlyThroughAdapter = {
  group: ['onnxruntime-node', 'onnxruntime-node/*'],
  message: 'Use onnxruntime-node through main/runtime/ort-session.ts, which switches its telemetry off first (main/runtime/no-telemetry.ts).',
};

export default tseslint.config(
  { ignores: ['.venv/**', 'dist/**', 'out/**', 'release/**', 'node_modules/**', 'models/**', '.tmp/**', 'test/fixtures/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Everything outside the pure core and the renderer (their own rules below forbid it as well). The
    // bench's raw-onnxruntime ceiling imports it directly, after no-telemetry. Blocks below replace this
    // rule for their files, so each of them names the pattern again.
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    ignores: ['main/runtime/ort-session.ts', 'bench/runtime.bench.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [ortOnlyThroughAdapter] }] },
  },
  {
    files: ['main/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', ...nativePatterns], message: 'main/core is pure TypeScript: no Node built-ins, no native packages.' },
            { group: ['**/runtime/**', '**/store/**', '**/jobs/**', '**/services/**', '**/ipc/**', '**/web/**', '**/app/**', '**/cli/**'], message: 'main/core must not import the layers above it.' },
          ],
        },
      ],
    },
  },
  {
    // The pack evaluator sits beside jobs: it uses the runtime and the pure core, and no host or store.
    files: ['main/eval/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', 'electron/*', 'better-sqlite3'], message: 'The evaluator needs neither electron nor the store.' },
            { group: ['**/store/**', '**/jobs/**', '**/services/**', '**/ipc/**', '**/web/**', '**/app/**', '**/cli/**'], message: 'main/eval uses the runtime and the core only; the CLI calls it.' },
            ortOnlyThroughAdapter,
          ],
        },
      ],
    },
  },
  {
    files: ['main/runtime/**/*.ts', 'main/store/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', 'electron/*'], message: 'Services never import electron.' },
            { group: ['**/jobs/**', '**/services/**', '**/ipc/**', '**/web/**', '**/app/**', '**/cli/**'], message: 'runtime/store sit below jobs, services and the hosts.' },
            ortOnlyThroughAdapter,
          ],
        },
      ],
    },
  },
  {
    // The adapter itself: the same layering, and the one file that imports onnxruntime-node.
    files: ['main/runtime/ort-session.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', 'electron/*'], message: 'Services never import electron.' },
            { group: ['**/jobs/**', '**/services/**', '**/ipc/**', '**/web/**', '**/app/**', '**/cli/**'], message: 'runtime/store sit below jobs, services and the hosts.' },
          ],
        },
      ],
    },
  },
  {
    files: ['main/jobs/**/*.ts', 'main/services/**/*.ts', 'main/web/**/*.ts', 'main/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['electron', 'electron/*'], message: 'Only main/app, main/ipc and preload may import electron.' }, ortOnlyThroughAdapter] }],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', ...nativePatterns], message: 'The renderer is sandboxed: it reaches the main side only through window.api.' },
            {
              group: ['**/main/runtime/**', '**/main/store/**', '**/main/jobs/**', '**/main/services/**', '**/main/app/**', '**/main/cli/**'],
              message: 'The renderer may import only the IPC contract, pure core types and the web client.',
            },
          ],
        },
      ],
    },
  },
);
