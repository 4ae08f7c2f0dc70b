import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpoint } from '../../../src/training/checkpoint';
import { cli, withoutMetadata } from '../helpers';
import { judgeApiError, judgeCliError, judgeCliOk, type Case } from './judge';

interface Parsed { header: Record<string, unknown>; blob: Buffer }

function parse(bytes: Buffer): Parsed {
  const h = bytes.readUInt32LE(12);
  const b = bytes.readUInt32LE(16);
  return { header: JSON.parse(bytes.toString('utf8', 24, 24 + h)) as Record<string, unknown>, blob: Buffer.from(bytes.subarray(24 + h, 24 + h + b)) };
}

/** A well-formed checkpoint file (right lengths and SHA-256) around `headerText` and `blob`. */
function build(headerText: string, blob: Buffer): Buffer {
  const header = Buffer.from(headerText, 'utf8');
  const pre = Buffer.alloc(24);
  pre.write('TEARCKPT', 0, 'latin1');
  pre.writeUInt32LE(1, 8);
  pre.writeUInt32LE(header.length, 12);
  pre.writeUInt32LE(blob.length, 16);
  const body = Buffer.concat([pre, header, blob]);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

/** The blob offset (in float32 values) of the tensor reference at `path` in the header. */
function tensorAt(header: Record<string, unknown>, path: Array<string | number>): { offset: number; length: number } {
  let v: unknown = header;
  for (const k of path) v = (v as Record<string | number, unknown>)[k];
  return (v as { $tensor: { offset: number; length: number } }).$tensor;
}

/** Checkpoint files through `tear-ssl eval --checkpoint FILE` (and readCheckpoint for the file-level damage). */
export function checkpointCases(root: string, baseRun: () => string): Case[] {
  const cases: Case[] = [];
  let n = 0;
  const good = () => readFileSync(join(baseRun(), 'checkpoints', 'step-00000002.ckpt'));
  /** A run folder holding `bytes` as its step-2 checkpoint (and the base run's run.json). */
  const place = (bytes: Buffer | 'directory'): string => {
    const dir = join(root, `ckpt-${n++}`);
    mkdirSync(join(dir, 'checkpoints'), { recursive: true });
    copyFileSync(join(baseRun(), 'run.json'), join(dir, 'run.json'));
    const file = join(dir, 'checkpoints', 'step-00000002.ckpt');
    if (bytes === 'directory') mkdirSync(file);
    else writeFileSync(file, bytes);
    return file;
  };
  const ckptCase = (id: string, mutate: (b: Buffer) => Buffer | 'directory', names: string[], api = true, cliNames = names, code: 1 | 2 = 1) => {
    cases.push({
      id: `checkpoint/${id}`, group: 'checkpoint', via: 'cli',
      run: async () => {
        const file = place(mutate(good()));
        return judgeCliError(await cli(['eval', '--checkpoint', file, '--backend', 'cpu']), code, [file, ...cliNames]);
      },
    });
    if (api) {
      cases.push({
        id: `checkpoint/${id} (API readCheckpoint)`, group: 'checkpoint', via: 'api',
        run: async () => {
          const file = place(mutate(good()));
          return judgeApiError(() => readCheckpoint(file), 'CheckpointError', [file, ...names]);
        },
      });
    }
  };
  const sizes = (b: Buffer) => ({ h: b.readUInt32LE(12), blob: b.readUInt32LE(16), len: b.length });
  const cuts: Array<[string, (b: Buffer) => number]> = [
    ['0', () => 0], ['4', () => 4], ['in-version', () => 10], ['in-lengths', () => 20], ['after-preamble', () => 24],
    ['in-header', (b) => 24 + Math.floor(sizes(b).h / 2)], ['after-header', (b) => 24 + sizes(b).h],
    ['in-blob', (b) => 24 + sizes(b).h + Math.floor(sizes(b).blob / 2)], ['before-digest', (b) => b.length - 32], ['last-byte', (b) => b.length - 1],
  ];
  for (const [id, at] of cuts) ckptCase(`truncated-${id}`, (b) => b.subarray(0, at(b)), []);
  const flips: Array<[string, (b: Buffer) => number, string]> = [
    ['magic', () => 2, 'magic'], ['version', () => 8, 'version'], ['header-length', () => 13, 'header'],
    ['blob-length', () => 17, 'blob'], ['header-text', (b) => 24 + 5, 'checksum'],
    ['blob-value', (b) => 24 + sizes(b).h + 100, 'checksum'], ['digest', (b) => b.length - 3, 'checksum'],
  ];
  for (const [id, at, name] of flips) {
    ckptCase(`bit-flip-${id}`, (b) => { const c = Buffer.from(b); c[at(c)] ^= 0x10; return c; }, [name]);
  }
  ckptCase('appended-bytes', (b) => Buffer.concat([b, Buffer.from('xyz')]), ['trailing bytes']);
  // a folder where a file is expected: the CLI takes it for a folder of checkpoints (none: a usage error)
  ckptCase('is-a-directory', () => 'directory', ['EISDIR'], true, ['no checkpoint'], 2);
  ckptCase('text-file', () => Buffer.from('not a checkpoint at all, but long enough to have a preamble and a digest'), ['magic']);
  // well-formed files (valid checksum) with wrong contents
  const nonFinite: Array<[string, Array<string | number>, number]> = [
    ['nan-weight', ['variables', 'values', 0], Number.NaN],
    ['inf-weight', ['variables', 'values', 1], Number.POSITIVE_INFINITY],
    ['nan-ema', ['ema', 'weights', 'v0'], Number.NaN],
    ['neg-inf-optimizer-slot', ['optimizer', 'slots', 'v0', 'momentum'], Number.NEGATIVE_INFINITY],
  ];
  for (const [id, path, value] of nonFinite) {
    ckptCase(id, (b) => {
      const { header, blob } = parse(b);
      const t = tensorAt(header, path);
      blob.writeFloatLE(value, 4 * (t.offset + t.length - 1));
      return build(b.toString('utf8', 24, 24 + b.readUInt32LE(12)), blob);
    }, ['non-finite']);
  }
  const headerEdits: Array<[string, (h: Record<string, unknown>) => unknown, string[]]> = [
    ['kind', (h) => ({ ...h, kind: 'other' }), ["field 'kind'"]],
    ['step-negative', (h) => ({ ...h, step: -1 }), ["field 'step'"]],
    ['step-fraction', (h) => ({ ...h, step: 1.5 }), ["field 'step'"]],
    ['no-variables', (h) => ({ ...h, variables: undefined }), ["field 'variables'"]],
    ['no-optimizer', (h) => ({ ...h, optimizer: null }), ["field 'optimizer'"]],
    ['config-method', (h) => ({ ...h, config: { ...(h.config as object), method: 'bogus' } }), ["field 'config'"]],
    ['one-variable-fewer', (h) => { const v = h.variables as { names: string[]; values: unknown[] }; return { ...h, variables: { names: v.names.slice(1), values: v.values.slice(1) } }; }, ['variables']],
    ['shape-mismatch', (h) => { const v = h.variables as { values: Array<{ $tensor: { shape: number[] } }> }; const t = v.values[0].$tensor; return { ...h, variables: { ...v, values: [{ $tensor: { ...t, shape: [...t.shape].reverse().concat([1]) } }, ...v.values.slice(1)] } }; }, ['variables']],
    ['tensor-past-blob', (h) => { const v = h.variables as { values: Array<{ $tensor: { offset: number } }> }; return { ...h, variables: { ...v, values: [{ $tensor: { ...v.values[0].$tensor, offset: 1e9 } }, ...v.values.slice(1)] } }; }, ['past the blob']],
    ['tensor-dtype', (h) => { const v = h.variables as { values: Array<{ $tensor: object }> }; return { ...h, variables: { ...v, values: [{ $tensor: { ...v.values[0].$tensor, dtype: 'float64' } }, ...v.values.slice(1)] } }; }, ['unknown dtype']],
    ['ema-missing-weight', (h) => { const e = h.ema as { weights: Record<string, unknown> }; const { v0: _v0, ...rest } = e.weights; return { ...h, ema: { ...e, weights: rest } }; }, ['ema']],
  ];
  for (const [id, edit, names] of headerEdits) {
    ckptCase(`header-${id}`, (b) => build(JSON.stringify(edit(parse(b).header)), parse(b).blob), names, false);
  }
  ckptCase('header-not-json', (b) => build('{"kind": ', parse(b).blob), ["field 'header'"]);

  // run records (run.json beside the checkpoint): damaged ones are data errors naming the file, for eval and for --resume
  const records: Array<[string, (text: string) => string, string]> = [
    ['empty', () => '', 'is empty'],
    ['truncated', (t) => t.slice(0, Math.floor(t.length / 2)), 'not valid JSON'],
    ['array-root', () => '[]', 'must be a JSON object'],
    ['no-settings', (t) => JSON.stringify({ ...JSON.parse(t), settings: undefined }), 'no settings object'],
    ['fingerprint-number', (t) => JSON.stringify({ ...JSON.parse(t), dataFingerprint: 7 }), "field 'dataFingerprint'"],
  ];
  for (const [id, mutate, name] of records) {
    for (const command of ['eval', 'train --resume'] as const) {
      for (const own of [true, false]) {
        cases.push({
          // own: the checkpoint holds the run's settings (run.json not needed: a warning); else run.json is needed (an error)
          id: `run-record/${id} (${command}, ${own ? 'checkpoint with settings' : 'older checkpoint without'})`, group: 'checkpoint', via: 'cli',
          run: async () => {
            const file = place(own ? good() : withoutMetadata(good()));
            const record = join(file, '..', '..', 'run.json');
            writeFileSync(record, mutate(readFileSync(record, 'utf8')));
            const argv = command === 'eval' ? ['eval', '--checkpoint', file, '--backend', 'cpu'] : ['train', '--resume', file, '--backend', 'cpu', '--no-progress'];
            const r = await cli(argv);
            if (!own) return judgeCliError(r, 1, [record, name]);
            return judgeCliOk(r, (x) => (x.stderr.some((l) => l.startsWith(`tear-ssl: warning: ${record}`) && l.includes(name)) ? undefined : `no warning naming ${record}: ${x.stderr.join(' | ')}`));
          },
        });
      }
    }
  }

  // a folder: a damaged newest checkpoint is skipped (said so), the newest valid one evaluated
  cases.push({
    id: 'checkpoint/folder-with-damaged-newest', group: 'checkpoint', via: 'cli',
    run: async () => {
      const file = place(good().subarray(0, 100));
      const dir = join(file, '..', '..');
      copyFileSync(join(baseRun(), 'checkpoints', 'step-00000001.ckpt'), join(dir, 'checkpoints', 'step-00000001.ckpt'));
      return judgeCliOk(await cli(['eval', '--checkpoint', dir, '--backend', 'cpu']), (r) =>
        r.text.includes(`--checkpoint: skipped ${file}`) && r.stdout.some((l) => l.includes('step-00000001.ckpt (step 1, method fixmatch)')) ? undefined : r.text);
    },
  });
  cases.push({
    id: 'checkpoint/valid', group: 'checkpoint', via: 'cli',
    run: async () => {
      const file = place(good());
      return judgeCliOk(await cli(['eval', '--checkpoint', file, '--backend', 'cpu']), (r) =>
        r.stdout.some((l) => l.includes('(step 2, method fixmatch)')) && r.stdout.filter((l) => /^\| (ema|student) \| (test|validation) \| [\d.]+% \|/.test(l)).length === 4 ? undefined : r.text);
    },
  });
  return cases;
}
