// The project's .npmrc keeps onnxruntime-node's install script from downloading CUDA binaries
// (it would on Linux x64, from a feed outside the npm registry, and fail offline) without the
// "Unknown project config" warning npm printed on every run. Checked on a real `npm install`
// with the project's .npmrc: a package named onnxruntime-node whose postinstall asks the real
// onnxruntime-node install helper (script/install-utils.js) what it would do.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../faults/helpers.js';

const ORT_UTILS = join(ROOT, 'node_modules/onnxruntime-node/script/install-utils.js');

describe('.npmrc and the onnxruntime-node install', { skip: existsSync(ORT_UTILS) ? false : 'onnxruntime-node is not installed' }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'commer-npmrc-'));
    const pkg = join(dir, 'ort');
    mkdirSync(pkg);
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'onnxruntime-node', version: '0.0.1', scripts: { postinstall: 'node probe.cjs' } }));
    writeFileSync(
      join(pkg, 'probe.cjs'),
      'const { parseInstallFlag } = require(process.env.ORT_UTILS);\n' +
        "require('fs').writeFileSync(process.env.PROBE_OUT, JSON.stringify({ flag: parseInstallFlag() === false ? 'skip' : parseInstallFlag() ?? 'default', nodeOptions: process.env.NODE_OPTIONS ?? '', env: process.env.ONNXRUNTIME_NODE_INSTALL ?? null }));\n",
    );
    const packed = spawnSync('npm', ['pack', '--silent'], { cwd: pkg, encoding: 'utf8' });
    assert.equal(packed.status, 0, packed.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function install(name: string, env: NodeJS.ProcessEnv): { flag: string; nodeOptions: string; env: string | null; output: string } {
    const proj = join(dir, name);
    mkdirSync(proj);
    copyFileSync(join(ROOT, '.npmrc'), join(proj, '.npmrc'));
    writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'p', version: '1.0.0', dependencies: { 'onnxruntime-node': 'file:../ort/onnxruntime-node-0.0.1.tgz' } }));
    const out = join(proj, 'probe.json');
    const base = { ...process.env };
    delete base.ONNXRUNTIME_NODE_INSTALL;
    // A user's shell, not the npm run this test is under: npm passes its own config down as
    // npm_config_* (npm_config_node_options would override the .npmrc under test).
    for (const k of Object.keys(base)) if (k.toLowerCase().startsWith('npm_config_') || k.toLowerCase().startsWith('npm_package_') || k === 'NODE_OPTIONS') delete base[k];
    const r = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund'], {
      cwd: proj,
      encoding: 'utf8',
      env: { ...base, ORT_UTILS, PROBE_OUT: out, ...env },
    });
    assert.equal(r.status, 0, r.stderr);
    return { ...(JSON.parse(readFileSync(out, 'utf8')) as { flag: string; nodeOptions: string; env: string | null }), output: r.stdout + r.stderr };
  }

  test('a plain install skips the CUDA download, with no unknown-config warning, and keeps the user NODE_OPTIONS', () => {
    const r = install('plain', { NODE_OPTIONS: '--max-old-space-size=3000' });
    assert.equal(r.flag, 'skip');
    assert.doesNotMatch(r.output, /Unknown (project|user|env|global) config/);
    assert.match(r.nodeOptions, /^--max-old-space-size=3000 /);
  });

  test('a value the user sets still wins (the README GPU path: ONNXRUNTIME_NODE_INSTALL=cuda12)', () => {
    // (install-utils answers "the platform default" for it, which on Linux x64 is the CUDA 12 download.)
    const r = install('cuda', { ONNXRUNTIME_NODE_INSTALL: 'cuda12' });
    assert.equal(r.env, 'cuda12');
    assert.notEqual(r.flag, 'skip');
  });
});
