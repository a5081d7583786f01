#!/usr/bin/env node
// The one test command (`npm test`). It makes sure the system packages the Python
// tier, the browser tier and the privacy test (strace) need are present (installing them with apt-get when
// missing and we are allowed to), then runs every tier that exists and prints one
// closing summary line over all of them.
//
//   node scripts/test.mjs                 all tiers
//   node scripts/test.mjs unit faults     only these tiers
//
// Tiers: static (tsc on the whole tree and on the pure core, eslint with the
// layering rules, ruff on models/, prettier --check), python (pytest in models/tests), unit, integration, faults (Node
// test runner over test/<tier>/**/*.test.ts), e2e (test/e2e/**/*.e2e.ts, Chromium).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const ALL = ['static', 'python', 'unit', 'integration', 'faults', 'e2e'];
const asked = process.argv.slice(2);
const tiers = asked.length ? asked : ALL;
for (const t of tiers) {
  if (!ALL.includes(t)) {
    console.error(`unknown tier "${t}"; known: ${ALL.join(', ')}`);
    process.exit(2);
  }
}

// The Python tier runs in a project venv (.venv) with the pinned toolchain of
// models/requirements.txt (torch 2.13 CPU, onnx, onnxruntime, gguf, tokenizers,
// transformers for the reference tests, ...). It is (re)built when missing or when
// the requirements changed (a stamp holds their sha256).
const VENV = join(root, '.venv');
const PY = join(VENV, 'bin', 'python');
const REQUIREMENTS = join(root, 'models', 'requirements.txt');
const STAMP = join(VENV, '.requirements.sha256');
const DEBIAN_BROWSER = ['chromium'];
// The privacy test (test/faults/privacy.test.ts) traces the app's network and file syscalls.
const DEBIAN_FAULTS = ['strace'];

function requirementsHash() {
  return createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex');
}
function pythonReady() {
  if (!existsSync(PY) || !existsSync(STAMP)) return false;
  return readFileSync(STAMP, 'utf8').trim() === requirementsHash();
}
function buildVenv() {
  const base = ['python3.11', 'python3'].find((c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0);
  if (!base) {
    console.error('[test] python tier: no python3 on PATH to build .venv from');
    return false;
  }
  console.log(`[test] building .venv from models/requirements.txt (${base})`);
  if (!existsSync(PY) && spawnSync(base, ['-m', 'venv', VENV], { stdio: 'inherit' }).status !== 0) return false;
  const r = spawnSync(PY, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', '-r', REQUIREMENTS], { stdio: 'inherit' });
  if (r.status !== 0) return false;
  writeFileSync(STAMP, requirementsHash() + '\n');
  return true;
}
function browserReady() {
  return existsSync('/usr/bin/chromium');
}
function straceReady() {
  return spawnSync('strace', ['-V'], { stdio: 'ignore' }).status === 0;
}

let aptUpdated = false;
function aptInstall(pkgs, why) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const sudo = isRoot ? [] : ['sudo', '-n'];
  if (!isRoot && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status !== 0) {
    console.error(`[test] ${why} needs Debian packages: ${pkgs.join(' ')}. Install them as root (apt-get install ${pkgs.join(' ')}).`);
    return false;
  }
  console.log(`[test] installing Debian packages for ${why}: ${pkgs.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    spawnSync(sudo[0] ?? 'apt-get', [...sudo.slice(1), ...(sudo.length ? ['apt-get'] : []), 'update', '-qq'], { stdio: 'inherit', env });
    aptUpdated = true;
  }
  const r = spawnSync(sudo[0] ?? 'apt-get', [...sudo.slice(1), ...(sudo.length ? ['apt-get'] : []), 'install', '-y', '-qq', '--no-install-recommends', ...pkgs], { stdio: 'inherit', env });
  return r.status === 0;
}

function walk(dir, suffix, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, suffix, out);
    else if (name.endsWith(suffix)) out.push(p);
  }
  return out;
}

/** Run a command, echo its output, and collect it for the summary. */
function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    const tee = (stream, sink) =>
      stream.on('data', (d) => {
        sink.write(d);
        text += d.toString();
      });
    tee(child.stdout, process.stdout);
    tee(child.stderr, process.stderr);
    child.on('close', (code) => resolve({ code: code ?? 1, text }));
  });
}

const totals = { passed: 0, failed: 0, skipped: 0 };
let failedTiers = [];

async function runPython() {
  if (!pythonReady()) {
    if (!buildVenv() || !pythonReady()) {
      console.error('[test] python tier: .venv could not be built from models/requirements.txt');
      failedTiers.push('python');
      totals.failed += 1;
      return;
    }
  }
  if (walk(join(root, 'models', 'tests'), '.py').filter((f) => /test_.*\.py$/.test(f)).length === 0) return;
  console.log('\n=== tier: python (pytest models/tests) ===');
  const r = await run(PY, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'models/tests'], { env: { PYTHONDONTWRITEBYTECODE: '1' } });
  const last =
    r.text
      .split('\n')
      .filter((l) => /\d+ (passed|failed|error)/.test(l))
      .pop() ?? '';
  const num = (re) => Number((last.match(re) ?? [0, 0])[1]);
  totals.passed += num(/(\d+) passed/);
  totals.failed += num(/(\d+) failed/) + num(/(\d+) errors?/);
  totals.skipped += num(/(\d+) skipped/);
  if (r.code !== 0 && r.code !== 5) failedTiers.push('python');
}

async function runNode(tier) {
  const suffix = tier === 'e2e' ? '.e2e.ts' : '.test.ts';
  const files = walk(join(root, 'test', tier), suffix).map((f) => relative(root, f));
  if (files.length === 0) return;
  if (tier === 'e2e' && !browserReady()) {
    if (!aptInstall(DEBIAN_BROWSER, 'the browser tier') || !browserReady()) {
      console.error('[test] e2e tier: /usr/bin/chromium is missing and could not be installed');
      failedTiers.push('e2e');
      totals.failed += 1;
      return;
    }
  }
  // strace exists for Linux only; where it cannot be installed the privacy test fails and says why.
  if (tier === 'faults' && process.platform === 'linux' && !straceReady()) {
    if (!aptInstall(DEBIAN_FAULTS, 'the privacy test') || !straceReady()) console.error('[test] faults tier: strace is missing and could not be installed; the privacy test will fail');
  }
  if (tier === 'e2e' || tier === 'integration' || tier === 'faults') await ensureBuilt();
  console.log(`\n=== tier: ${tier} (${files.length} files) ===`);
  const r = await run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files]);
  const grab = (name) => {
    const m = [...r.text.matchAll(new RegExp(`^[ℹ#] ${name} (\\d+)`, 'gm'))].pop();
    return m ? Number(m[1]) : 0;
  };
  totals.passed += grab('pass');
  totals.failed += grab('fail') + grab('cancelled');
  totals.skipped += grab('skipped') + grab('todo');
  if (r.code !== 0) failedTiers.push(tier);
}

let built = false;
async function ensureBuilt() {
  // Tiers that run the renderer or the web host need the bundled renderer.
  if (built || !existsSync(join(root, 'scripts', 'build.mjs'))) return;
  built = true;
  const r = await run(process.execPath, ['scripts/build.mjs', '--if-stale']);
  if (r.code !== 0) throw new Error('build failed');
}

/**
 * Electron's type definitions ship inside the `electron` package, which npm drops
 * when its binary cannot be downloaded (it is an optional dependency). Fetch the
 * same version's tarball without running its install script and keep only the
 * .d.ts, where tsconfig's `paths` fallback finds it.
 */
async function ensureElectronTypes() {
  if (existsSync(join(root, 'node_modules', 'electron', 'electron.d.ts'))) return true;
  const dest = join(root, 'node_modules', '.cache', 'electron-types');
  if (existsSync(join(dest, 'electron.d.ts'))) return true;
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const version = lock.packages?.['node_modules/electron']?.version;
  if (!version) return false;
  mkdirSync(dest, { recursive: true });
  console.log(`[test] fetching type definitions of electron@${version} (no binary)`);
  const packed = spawnSync('npm', ['pack', `electron@${version}`, '--silent', '--pack-destination', dest], { cwd: dest, encoding: 'utf8' });
  const file = packed.stdout?.trim().split('\n').pop();
  if (packed.status !== 0 || !file) return false;
  const untar = spawnSync('tar', ['-xzf', file, '--strip-components=1', 'package/electron.d.ts'], { cwd: dest });
  return untar.status === 0 && existsSync(join(dest, 'electron.d.ts'));
}

async function runStatic() {
  console.log('\n=== tier: static (tsc, eslint, ruff, prettier) ===');
  if (!(await ensureElectronTypes())) console.error('[test] electron type definitions are unavailable; main/app and preload will not type-check');
  const bin = (name) => join(root, 'node_modules', '.bin', name);
  const checks = [
    ['tsc (whole tree)', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']],
    ['tsc (pure core, no Node types)', bin('tsc'), ['-p', 'main/core/tsconfig.json', '--noEmit']],
    ['eslint (incl. layering rules)', bin('eslint'), ['.']],
    ['prettier --check (.prettierrc.json)', bin('prettier'), ['--check', '--log-level', 'warn', '.']],
  ];
  // ruff is pinned in models/requirements.txt, so it comes from the project venv (built here when missing).
  if (pythonReady() || (buildVenv() && pythonReady())) checks.push(['ruff check models/ (ruff.toml)', join(VENV, 'bin', 'ruff'), ['check', 'models/']]);
  else {
    console.error('[test] static tier: .venv could not be built from models/requirements.txt, so ruff cannot run');
    console.log('not ok - ruff check models/');
    totals.failed += 1;
    failedTiers.push('static');
  }
  for (const [name, cmd, args] of checks) {
    const r = await run(cmd, args);
    console.log(`${r.code === 0 ? 'ok' : 'not ok'} - ${name}`);
    if (r.code === 0) totals.passed += 1;
    else {
      totals.failed += 1;
      failedTiers.push('static');
    }
  }
}

for (const tier of tiers) {
  if (tier === 'static') await runStatic();
  else if (tier === 'python') await runPython();
  else await runNode(tier);
}

console.log('');
if (failedTiers.length) console.log(`[test] failing tiers: ${[...new Set(failedTiers)].join(', ')}`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failedTiers.length || totals.failed ? 1 : 0);
