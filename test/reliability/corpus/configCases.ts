import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TRAIN_OPTIONS, type OptionSpec } from '../../../src/cli/trainOptions';
import { cli } from '../helpers';
import { judgeCliError, type Case } from './judge';

/** Settings of a run that ends in a second, the base of every case (a case's own key or flag overrides them). */
const TINY = { steps: 1, batchSize: 2, mu: 1, labels: 10, validation: 10, evalEvery: 0, checkpointEvery: 0, method: 'fixmatch' };

/** Values that break `spec`'s declared type or range: [label, JSON value for a config file, string for a flag (undefined: none)]. */
function badValues(spec: OptionSpec): Array<[string, unknown, string | undefined]> {
  const k = spec.kind;
  switch (k.type) {
    case 'int': {
      const out: Array<[string, unknown, string | undefined]> = [['text', 'seven', 'seven'], ['fraction', 1.5, '1.5'], ['below-min', k.min - 1, String(k.min - 1)], ['exponent', '1e3', '1e3']];
      if (k.max !== undefined) out.push(['above-max', k.max + 1, String(k.max + 1)]);
      out.push(['null', null, undefined]);
      return out;
    }
    case 'number': {
      const out: Array<[string, unknown, string | undefined]> = [['text', 'fast', 'fast'], ['infinite', '1e999', '1e999'], ['bool', true, undefined]];
      if (k.min !== undefined) out.push(['below-min', k.minOpen ? k.min : k.min - 1, String(k.minOpen ? k.min : k.min - 1)]);
      if (k.max !== undefined) out.push(['above-max', k.maxOpen ? k.max : k.max + 1, String(k.maxOpen ? k.max : k.max + 1)]);
      return out;
    }
    case 'enum':
      return [['unknown', 'nope', 'nope'], ['number', 3, undefined]];
    case 'string':
      return [['number', 42, undefined], ['empty', '', '']];
    case 'boolean':
      return [['string', 'yes', undefined], ['number', 1, undefined]];
    case 'intList':
      return [['text', 'many', 'many'], ['empty-list', [], ''], ['fraction', [1.5], '1.5'], ['below-min', [k.min - 1], String(k.min - 1)], ['number', 3, undefined]];
    case 'distribution': // no flag has this kind (the trainer's classPrior)
      return [];
  }
}

/** Config files and flags of `tear-ssl train`, generated from the option table: each must be a usage error (exit 2) naming the key or flag. */
export function configCases(root: string): Case[] {
  const cases: Case[] = [];
  mkdirSync(root, { recursive: true });
  let n = 0;
  const configFile = (body: string | Record<string, unknown>): string => {
    const file = join(root, `config-${n++}.json`);
    writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
    return file;
  };
  const out = () => join(root, `config-out-${n++}`);
  for (const spec of TRAIN_OPTIONS) {
    for (const [label, value, flagValue] of badValues(spec)) {
      cases.push({
        id: `config/${spec.key}/${label}`, group: 'config', via: 'cli',
        run: async () => {
          // a tiny run, so that a bad value accepted by mistake ends quickly (and is reported as silent-wrong)
          const file = configFile({ ...TINY, [spec.key]: value });
          return judgeCliError(await cli(['train', '--config', file, '--out', out(), '--backend', 'cpu', '--no-progress']), 2, [`config file ${file}`, `'${spec.key}'`]);
        },
      });
      if (flagValue !== undefined && spec.kind.type !== 'boolean') {
        cases.push({
          id: `flag/--${spec.flag}/${label}`, group: 'config', via: 'cli',
          run: async () => {
            const file = configFile(TINY);
            // the flag under test comes last: commander keeps the last value of a repeated flag
            return judgeCliError(await cli(['train', '--config', file, '--out', out(), '--backend', 'cpu', '--no-progress', `--${spec.flag}`, flagValue]), 2, [`--${spec.flag}`]);
          },
        });
      }
    }
  }
  const structural: Array<[string, () => string, string[]]> = [
    ['empty-file', () => configFile(''), ['is not valid JSON']],
    ['truncated', () => configFile('{"steps": 3, "lr'), ['is not valid JSON']],
    ['array-root', () => configFile('[1, 2]'), []],
    ['null-root', () => configFile('null'), []],
    ['unknown-key', () => configFile({ batchsize: 8 }), ["'batchsize'", "did you mean 'batchSize'"]],
    ['config-key-inside', () => configFile({ config: 'other.json' }), ["'config'"]],
    ['missing-file', () => join(root, 'no-such-config.json'), ['cannot be read']],
    ['directory', () => { const d = join(root, `config-dir-${n++}`); mkdirSync(d); return d; }, ['cannot be read']],
  ];
  for (const [id, make, names] of structural) {
    cases.push({
      id: `config/${id}`, group: 'config', via: 'cli',
      run: async () => {
        const file = make();
        return judgeCliError(await cli(['train', '--config', file, '--out', out(), '--backend', 'cpu']), 2, [file, ...names]);
      },
    });
  }
  // settings each valid alone but impossible together or for the data
  const semantic: Array<[string, string[], string[]]> = [
    ['labels-above-budget', ['--labels', '100000'], ['--labels 100000']],
    ['labels-below-classes', ['--labels', '5'], ['--labels 5']],
    ['validation-above-budget', ['--validation', '100000'], ['--validation', '100000']],
    ['test-above-digits', ['--test', '100000'], ['--test', '100000']],
    ['budget-on-digits', ['--budget', '350'], ['--budget']],
    ['test-on-mnist', ['--dataset', 'mnist', '--data', root, '--test', '10'], ['--test']],
    ['data-on-digits', ['--data', root], ['--data']],
    ['mnist-without-data', ['--dataset', 'mnist'], ['--data']],
    ['data-missing-folder', ['--dataset', 'mnist', '--data', join(root, 'nowhere')], ['--data', 'does not exist']],
    ['resume-missing', ['--resume', join(root, 'nowhere.ckpt')], ['--resume', 'does not exist']],
    ['resume-empty-folder', ['--resume', root], ['--resume', 'no checkpoint']],
    ['huge-batch', ['--batch-size', '1000000', '--mu', '1000000'], ['--batch-size 1000000 with --mu 1000000']],
    ['labels-on-isic', ['--dataset', 'isic2018', '--data', root, '--labels', '100'], ['--labels']],
  ];
  for (const [id, flags, names] of semantic) {
    cases.push({
      id: `flags/${id}`, group: 'config', via: 'cli',
      run: async () => judgeCliError(await cli(['train', '--config', configFile(TINY), ...flags, '--out', out(), '--backend', 'cpu', '--no-progress']), 2, names),
    });
  }
  // the other commands' options (parsed by the same table)
  const others: Array<[string, string[], string]> = [];
  for (const [flag, values] of [['--batch-size', ['0', '-3', '1.5', 'big']], ['--dataset', ['imagenet']], ['--backend', ['gpu', '']]] as const) {
    for (const v of values) others.push([`eval ${flag} ${JSON.stringify(v)}`, ['eval', '--checkpoint', root, flag, v], flag]);
  }
  for (const [flag, values] of [['--steps', ['0', 'many']], ['--seed', ['-1', '0.5']], ['--backend', ['tpu']]] as const) {
    for (const v of values) others.push([`demo ${flag} ${JSON.stringify(v)}`, ['demo', '--quick', flag, v], flag]);
  }
  others.push(['eval without --checkpoint', ['eval'], '--checkpoint'], ['unknown train flag', ['train', '--stepz', '3'], '--stepz'],
    ['unknown eval flag', ['eval', '--checkpoint', root, '--resume', root], '--resume'], ['unknown command', ['fly'], 'fly'],
    ['--checkpoint without a value', ['eval', '--checkpoint'], '--checkpoint']);
  // a learning rate that makes the run diverge: a failure of the run (exit 1) naming the step, not a usage error
  cases.push({
    id: 'flags/lr-diverges', group: 'config', via: 'cli',
    run: async () => judgeCliError(await cli(['train', '--config', configFile({ ...TINY, steps: 4, checkpointEvery: 1 }), '--lr', '1e37', '--out', out(), '--backend', 'cpu', '--no-progress']), 1, ['training diverged at step', 'is not finite']),
  });
  for (const [id, argv, name] of others) {
    cases.push({ id: `flags/${id}`, group: 'config', via: 'cli', run: async () => judgeCliError(await cli(argv), 2, [name]) });
  }
  return cases;
}
