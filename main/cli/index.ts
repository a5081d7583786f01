#!/usr/bin/env node
// `commer`: the services from a terminal. Exit codes: 0 done, 1 the work failed,
// 2 the command line was wrong, 3 an import finished but not every record the
// file held was stored (bad rows, a damaged archive entry, a truncated file).
// First: onnxruntime's telemetry stays off here and in the inference worker (a worker cannot switch it off itself).
import '../runtime/no-telemetry.js';
import { delimiter } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { createServices, ServiceError, type DocsUsed, type ImportOptions, type ImportProgress, type ImportRowError, type PackSummary, type Services, type ServicesOptions } from '../services/index.js';
import { DOC_KINDS, IMPORT_FORMATS, TASKS } from '../core/inputs.js';
import { parseRequest, parseWith, requestSchemas, type Parsed } from '../ipc/contract.js';
import { nonNegativeInt, num, positiveInt } from './args.js';
import { ProgressBar } from './progress.js';
import { runEvaluate } from './evaluate.js';
import { runReferenceMean } from './reference-mean.js';
import { isBusyError } from '../store/index.js';

const EXIT_OK = 0;
const EXIT_FAIL = 1;
const EXIT_USAGE = 2;
const EXIT_PARTIAL = 3;

interface Globals {
  dataDir?: string;
  packs?: string[];
  json?: boolean;
}

// The subcommand running, so that other processes on the same data folder can name this one.
let commandName = '';

async function open(g: Globals, extra: Partial<ServicesOptions> = {}): Promise<Services> {
  return createServices({ dataDir: g.dataDir, packDirs: g.packs, processLabel: `commer ${commandName}`.trim(), ...extra });
}

/** The profile by name, created when asked for and missing. */
function profileId(svc: Services, name: string, create: boolean): number {
  const found = svc.profiles.list().find((p) => p.name.toLowerCase() === name.trim().toLowerCase());
  if (found) return found.id;
  if (!create) throw new ServiceError('NOT_FOUND', `no profile named "${name}" (see: commer profiles)`);
  return svc.profiles.create(name).id;
}

/**
 * A request parsed with the schema IPC and the web host parse it with, so a bad value gets
 * the same message here (as a usage error, exit 2) as it does there.
 */
function must<T>(r: Parsed<T>): T {
  if (!r.ok) throw new ServiceError('INVALID_INPUT', r.error.message);
  return r.value;
}

/** import:start's options as the CLI passes them (its files are paths it reads one at a time, with no count limit). */
const importOptionsOnly = requestSchemas['import:start'].pick({ options: true });

function out(g: Globals, value: unknown, text: () => string): void {
  process.stdout.write(g.json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
}

export function buildProgram(): Command {
  const program = new Command('commer')
    .description('ComMer Studio from the terminal: import writing, compress it, restyle drafts in that voice')
    .option('--data-dir <dir>', 'data folder (default: COMMER_DATA_DIR or the OS user-data folder)')
    .option('--packs <dirs>', `folders holding model packs, separated by "${delimiter}" (default: the shipped packs and <data-dir>/packs)`, (v: string) => v.split(delimiter).filter(Boolean))
    .option('--json', 'print machine-readable JSON')
    .showHelpAfterError()
    .exitOverride()
    .hook('preAction', (_program, action) => {
      commandName = action.name();
    });

  const globals = (): Globals => program.opts<Globals>();
  /** A pack id's folder, through the services' pack list (a damaged pack is refused with its problem). */
  const packDirOf = async (id: string): Promise<string> => {
    const svc = await open(globals(), { loadModelAtStart: false, autoStartQueue: false });
    try {
      const p = svc.packs.list().find((x) => x.id === id);
      if (!p) throw new ServiceError('NOT_FOUND', `no model pack "${id}" (see: commer packs)`);
      if (!p.valid) throw new ServiceError('PACK_INVALID', `pack "${id}" is damaged: ${p.error}`);
      return p.dir;
    } finally {
      await svc.close();
    }
  };

  program
    .command('profiles')
    .description('list profiles with document counts and compression status')
    .action(async () => {
      const svc = await open(globals(), { loadModelAtStart: false, autoStartQueue: false });
      try {
        const list = svc.profiles.list();
        out(globals(), list, () =>
          list.length === 0
            ? 'no profiles yet (commer import FILE --profile NAME creates one)'
            : list
                .map(
                  (p) =>
                    `${p.name}\t${p.docCounts.tweet} tweets, ${p.docCounts.article} articles\t${p.compression.compressed} compressed, ${p.compression.pending} pending (${p.compression.packId ?? 'no pack'})`,
                )
                .join('\n'),
        );
      } finally {
        await svc.close();
      }
    });

  program
    .command('import')
    .description('import tweets or articles from files into a profile, then compress them')
    .argument('<files...>', 'Twitter/X archive .zip (or a zip of .md/.html/.txt articles), tweets.js, .csv, .tsv, .json, .jsonl, .txt, .md or .html')
    .requiredOption('-p, --profile <name>', 'profile to import into (created if missing)')
    .addOption(new Option('--kind <kind>', 'document kind').choices(DOC_KINDS))
    .addOption(new Option('--format <format>', 'override format detection').choices(IMPORT_FORMATS))
    .option('--replies', 'keep replies from Twitter archives')
    .option('--retweets', 'keep retweets')
    .option('--column <name>', 'CSV column / JSON field holding the text')
    .option('--encoding <label>', 'text encoding of files without a byte-order mark (default utf-8)')
    .addOption(new Option('--split <mode>', 'plain text: one document per blank-line block or per file').choices(['blocks', 'file']))
    .addOption(new Option('--on-bad-row <mode>', 'skip bad rows or import nothing').choices(['skip', 'abort']).default('skip'))
    .option('--no-compress', 'store only; compress later (commer compress)')
    .addHelpText(
      'after',
      '\nExit status: 0 every record of every file stored (or already there), 1 an import failed (nothing of that file stored),\n3 an import finished but some records the file held were not stored (bad rows, a damaged archive entry, a truncated file).',
    )
    .action(async (files: string[], o: Record<string, string | boolean | undefined>) => {
      const g = globals();
      // Checked before anything is opened or created: the profile name as profiles:create takes it, the options as import:start does.
      const profileName = must(parseRequest('profiles:create', { name: o.profile })).name;
      const options: ImportOptions =
        must(
          parseWith('import:start', importOptionsOnly, {
            options: {
              kind: o.kind,
              format: o.format,
              includeReplies: o.replies === true,
              includeRetweets: o.retweets === true,
              textColumn: o.column,
              encoding: o.encoding,
              textSplit: o.split,
              onBadRow: o.onBadRow,
            },
          }),
        ).options ?? {};
      const svc = await open(g, { autoStartQueue: o.compress !== false, loadModelAtStart: o.compress !== false });
      let code = EXIT_OK;
      try {
        const pid = profileId(svc, profileName, true);
        const jobs: string[] = [];
        for (const file of files) {
          const bar = new ProgressBar(`import ${file}`);
          const { jobId } = svc.imports.start({ path: file, profileId: pid, options });
          const off = svc.onEvent((e) => {
            if (e.type === 'import' && e.progress.jobId === jobId) bar.update(e.progress.bytesRead, e.progress.bytesTotal, `${e.progress.stored} new, ${e.progress.duplicates} dup`, e.progress.etaSec);
          });
          const r = await svc.imports.wait(jobId);
          off();
          bar.done();
          jobs.push(jobId);
          if (!g.json) {
            process.stderr.write(`${file}: ${importSummary(r)}\n`);
            for (const e of r.errors.slice(0, 5)) process.stderr.write(`  ${e.file}${e.line ? `:${e.line}` : ''}: ${e.message} [${lostNote(e)}]\n`);
            if (r.errorCount > 5) process.stderr.write(`  … and ${r.errorCount - 5} more\n`);
            if (r.error) process.stderr.write(`error: ${r.error.message}\n`);
          }
          code = Math.max(code, importExitCode(r));
        }
        if (o.compress !== false) {
          const st = await compressWithBar(svc);
          // Stored but not compressed is not done: say why and fail, rather than exit 0 with documents left behind.
          if (st.state === 'error') {
            code = EXIT_FAIL;
            if (!g.json) process.stderr.write(`error: compression stopped with ${st.pending} documents pending: ${st.error?.message ?? 'unknown error'}\n`);
          }
        }
        // Read again after compressing, so the phases printed are the final ones.
        const results: ImportProgress[] = jobs.map((id) => svc.imports.get(id));
        out(g, results, () => `profile "${o.profile}": ${svc.profiles.get(pid).docCounts.tweet} tweets, ${svc.profiles.get(pid).docCounts.article} articles`);
      } finally {
        await svc.close();
      }
      if (code === EXIT_FAIL) throw new ExitCode(EXIT_FAIL);
      if (code === EXIT_PARTIAL) throw new ExitCode(EXIT_PARTIAL);
    });

  program
    .command('compress')
    .description('compress every pending document with the active pack')
    .action(async () => {
      const svc = await open(globals());
      try {
        const st = await compressWithBar(svc);
        out(globals(), st, () => `${st.done} of ${st.total} documents compressed with ${st.packId ?? 'no pack'} (${st.state})`);
        if (st.state === 'error' || st.state === 'no-pack') {
          // The counts alone do not say why nothing moved: name the reason.
          if (!globals().json) process.stderr.write(`error${st.error ? ` (${st.error.code})` : ''}: ${st.error?.message ?? 'no model pack is loaded (see: commer packs)'}\n`);
          throw new ExitCode(EXIT_FAIL);
        }
      } finally {
        await svc.close();
      }
    });

  program
    .command('restyle')
    .description("rewrite a draft in a profile's voice (streams the text)")
    .argument('<draft>', 'the draft text')
    .requiredOption('-p, --profile <name>', 'whose voice')
    .addOption(new Option('-t, --task <task>', 'what to write').choices(TASKS).default('paraphrase'))
    .option('-n, --candidates <n>', 'number of candidates (1-5)', num, 1)
    .option('--relevant <n>', 'merge only the N documents most relevant to the draft', positiveInt)
    .option('--no-personal', 'no personalization (the baseline)')
    .option('--strength <s>', 'how much of the voice, 0 (generic) to 1 (fully me, the default)', num)
    .option('--temperature <t>', 'sampling temperature (0 = greedy)', num)
    .option('--top-k <k>', 'top-k (0: off)', nonNegativeInt)
    .option('--top-p <p>', 'nucleus p', num)
    .option('--seed <seed>', 'random seed', nonNegativeInt)
    .option('--max-new-tokens <n>', 'length limit', positiveInt)
    .action(async (draft: string, o: Record<string, unknown>) => {
      const g = globals();
      // profileId 1 stands in for the profile, looked up by name once the data folder is open; every other field is checked here first.
      const parse = (profileId: number) =>
        must(
          parseRequest('restyle:start', {
            profileId,
            task: o.task,
            draft,
            docs: o.personal === false ? 'none' : o.relevant ? { relevant: o.relevant } : 'all',
            n: o.candidates,
            ...(o.strength === undefined ? {} : { strength: o.strength }),
            sampling: { temperature: o.temperature, topK: o.topK, topP: o.topP, seed: o.seed, maxNewTokens: o.maxNewTokens },
          }),
        );
      parse(1);
      const svc = await open(g, { autoStartQueue: false, loadModelAtStart: false });
      const ac = new AbortController();
      const onSig = () => ac.abort();
      process.once('SIGINT', onSig);
      try {
        const req = parse(profileId(svc, String(o.profile), false));
        const n = req.n ?? 1;
        const texts: string[] = [];
        const hidden: number[] = [];
        const garbled: (string | null)[] = [];
        let usedDocs = 0;
        let docs: DocsUsed | undefined;
        let strength: number | null = null;
        for await (const ev of svc.restyle.run(req, ac.signal)) {
          if (ev.type === 'start') {
            usedDocs = ev.usedDocs;
            docs = ev.docs;
            strength = ev.strength ?? null;
          } else if (ev.type === 'token' && n === 1 && !g.json) process.stdout.write(ev.text);
          else if (ev.type === 'candidate-done') {
            texts[ev.candidate] = ev.text;
            hidden[ev.candidate] = ev.hidden ?? 0;
            garbled[ev.candidate] = ev.garbled ?? null;
            if (n === 1 && !g.json) process.stdout.write('\n');
            else if (!g.json) process.stdout.write(`${ev.candidate + 1}. ${ev.text}\n`);
          }
        }
        const hiddenWords = hidden.reduce((a, b) => a + b, 0);
        if (g.json) out(g, { usedDocs, docs, strength, candidates: texts, hidden, garbled }, () => '');
        else {
          const noMatch =
            docs?.selection === 'relevant' && docs.used === 'all'
              ? `no document matched the draft, so all ${usedDocs} were merged`
              : docs && docs.selection !== 'none' && docs.used === 'none'
                ? 'the profile has no documents yet: generic suggestions'
                : null;
          process.stderr.write(`(${noMatch ?? (usedDocs ? `${usedDocs} documents merged` : 'no personalization')})\n`);
          if (hiddenWords) process.stderr.write(`(${hiddenWords} offensive ${hiddenWords === 1 ? 'word' : 'words'} hidden)\n`);
          garbled.forEach((why, i) => why && process.stderr.write(`(suggestion ${i + 1} looks garbled: ${why})\n`));
        }
      } finally {
        process.off('SIGINT', onSig);
        await svc.close();
      }
    });

  program
    .command('evaluate')
    .description('evaluate a model pack on a data file through the app runtime; writes report.json and report.svg')
    .requiredOption('--pack <id|dir>', 'pack id (see: commer packs) or a pack folder')
    .requiredOption('--data <file...>', 'tweets JSONL {user,text}, a tweet CSV export, or news JSONL {headline,short_description,authors}; one task per file')
    .option('--out <file>', 'report file to write', 'report.json')
    .option('--per-person <n>', 'targets per person', positiveInt, 20)
    .option('--doc-counts <list>', 'document counts, comma-separated', '0,8')
    .option('--methods <list>', 'subset of commer,prompt_concat,prompt_concat_budget', 'commer,prompt_concat,prompt_concat_budget')
    .option('--persons <list>', 'only these persons (comma-separated; default all with 2+ targets)')
    .option('--max-new-tokens <n>', 'greedy tokens per output for ROUGE-L (0: perplexity only)', nonNegativeInt, 24)
    .option('--strengths <list>', "also score these style strengths (0 generic .. 1 fully me, comma-separated) at the largest document count; needs the pack's reference mean")
    .option('--threads <n>', 'onnxruntime threads (0: default)', nonNegativeInt, 0)
    .action(async (o: Record<string, unknown>) => {
      const code = await runEvaluate(o, (id) => packDirOf(id));
      if (code !== EXIT_OK) throw new ExitCode(code);
    });

  program
    .command('reference-mean')
    .description("build a pack's reference means (style strength's \"generic\" end) from training persons' documents; writes reference.f32 into the pack and lists it in manifest.json")
    .requiredOption('--pack <id|dir>', 'pack id (see: commer packs) or a pack folder (written in place)')
    .requiredOption('--data <file...>', 'tweets JSONL {user,text}, a tweet CSV export, or news JSONL; one file per document kind')
    .option('--per-person <n>', 'documents per person (each person weighs the same)', positiveInt, 16)
    .option('--split <which>', "train: the training persons of models/commer/data.py's split (never a test person); all: every person of the file", 'train')
    .option('--exclude <list>', 'persons never to use (comma-separated)')
    .option('--threads <n>', 'onnxruntime threads (0: default)', nonNegativeInt, 0)
    .action(async (o: Record<string, unknown>) => {
      const code = await runReferenceMean(o, (id) => packDirOf(id));
      if (code !== EXIT_OK) throw new ExitCode(code);
    });

  program
    .command('recompute')
    .description('rebuild every running mean from the stored compressions')
    .action(async () => {
      const svc = await open(globals(), { loadModelAtStart: false, autoStartQueue: false });
      try {
        const r = svc.settings.recompute();
        out(globals(), r, () => {
          const fixed = r.repaired || r.dropped ? `\n${r.repaired} means held NaN or infinite values and were rebuilt; ${r.dropped} such compressions were deleted and will be compressed again` : '';
          return `recomputed ${r.groups} means over ${r.documents} compressions in ${r.ms} ms; largest drift was ${r.maxAbsDiff.toExponential(2)}${fixed}`;
        });
      } finally {
        await svc.close();
      }
    });

  program
    .command('packs')
    .description('list the model packs found and check their files (exit 1 when the active pack is damaged)')
    .action(async () => {
      const g = globals();
      const svc = await open(g, { loadModelAtStart: false, autoStartQueue: false });
      try {
        // As Settings does: the listing reads manifests only, so every pack whose manifest
        // is valid is then checked in full (sizes, hashes, tensors, tokenizer), one at a time.
        const packs: Array<PackSummary & { checked: boolean }> = [];
        for (const p of svc.packs.list()) {
          if (!p.valid) {
            packs.push({ ...p, checked: false });
            continue;
          }
          const r = await svc.packs.validate(p.dir);
          packs.push(r.ok ? { ...p, checked: true } : { ...p, valid: false, error: r.error, checked: true });
        }
        out(g, packs, () =>
          packs.length
            ? packs.map((p) => `${p.active ? '*' : ' '} ${p.id}\t${p.valid ? `checked, k=${p.k} dim=${p.dim}` : `${p.checked ? 'DAMAGED' : 'INVALID'}: ${p.error}`}\t${p.dir}`).join('\n')
            : 'no packs found',
        );
        const active = packs.find((p) => p.active);
        if (active && !active.valid) {
          if (!g.json) process.stderr.write(`error: the active model pack "${active.id}" cannot be used: ${active.error}\n`);
          throw new ExitCode(EXIT_FAIL);
        }
      } finally {
        await svc.close();
      }
    });

  program
    .command('export')
    .description('write all profiles, documents and history to one JSON file')
    .argument('<file>', 'output file')
    .action(async (file: string) => {
      const svc = await open(globals(), { loadModelAtStart: false, autoStartQueue: false });
      try {
        const r = await svc.settings.exportAll(file);
        out(globals(), r, () => `wrote ${r.bytes} bytes to ${r.path}`);
      } finally {
        await svc.close();
      }
    });

  return program;
}

class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/**
 * The exit status one import earns: 0 every record stored, 3 finished with records
 * not stored, 1 failed or cancelled. 'compressing' is a finished import: its
 * documents are stored and the queue is learning them.
 */
export function importExitCode(r: Pick<ImportProgress, 'phase' | 'lost' | 'incomplete'>): number {
  if (r.phase === 'failed' || r.phase === 'cancelled' || r.phase === 'queued' || r.phase === 'parsing' || r.phase === 'storing') return EXIT_FAIL;
  return r.lost > 0 || r.incomplete ? EXIT_PARTIAL : EXIT_OK;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One line per import: what was read and stored, and what of the file was not stored. */
export function importSummary(r: ImportProgress): string {
  const head = `${r.phase}, ${r.parsed} read, ${r.stored} new, ${r.duplicates} duplicates, ${r.skipped} skipped, ${plural(r.errorCount, 'problem')}`;
  if (r.phase === 'failed' || r.phase === 'cancelled') return `${head}; nothing of this file was stored`;
  if (!r.lost && !r.incomplete) return `${head}; every record stored`;
  const where = r.errors
    .filter((e) => e.lost !== 0)
    .slice(0, 3)
    .map((e) => `${e.file}${e.line ? `:${e.line}` : ''}`);
  const rest = r.incomplete ? `${r.lost ? ' and' : ''} an unknown number from what could not be read` : '';
  return `${head}; ${r.lost ? `${plural(r.lost, 'record')} not stored` : 'records not stored:'}${rest} (${where.join(', ')}${r.errorCount > where.length ? ', …' : ''})`;
}

function lostNote(e: ImportRowError): string {
  if (e.lost === null) return 'the rest was not read';
  if (e.lost === 0) return 'read past, no record lost';
  return `${plural(e.lost ?? 1, 'record')} lost`;
}

async function compressWithBar(svc: Services) {
  const bar = new ProgressBar('compress');
  let waiting: string | undefined;
  const off = svc.onEvent((e) => {
    if (e.type !== 'queue') return;
    if (e.status.waiting && e.status.waiting !== waiting) {
      bar.done();
      process.stderr.write(`compress: waiting for the data folder: ${e.status.waiting}\n`);
    }
    waiting = e.status.waiting;
    bar.update(e.status.done, e.status.total, `${e.status.docsPerSec} docs/s`, e.status.etaSec);
  });
  const stop = new AbortController();
  const onSig = () => {
    svc.queue.pause();
    stop.abort();
  };
  process.once('SIGINT', onSig);
  try {
    return await svc.queue.drain(stop.signal);
  } finally {
    process.off('SIGINT', onSig);
    off();
    bar.done();
  }
}

/** Runs the CLI and returns its exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof ExitCode) return err.code;
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT_OK;
      return EXIT_USAGE;
    }
    if (err instanceof ServiceError) {
      process.stderr.write(`error (${err.code}): ${err.message}\n`);
      return err.code === 'INVALID_INPUT' ? EXIT_USAGE : EXIT_FAIL;
    }
    if (isBusyError(err)) {
      process.stderr.write(`error (BUSY): another process holds the data folder's database (${(err as Error).message}); try again when it has finished\n`);
      return EXIT_FAIL;
    }
    process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT_FAIL;
  }
}

const isEntry = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntry) {
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
