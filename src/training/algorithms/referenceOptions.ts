import { REFERENCES } from '../configTypes';
import type { OptionEntry } from '../optionSchema';

/**
 * The options of the temporal references (references.ts): the EMA teacher (`ema`, also the evaluated
 * model), the choice of reference, and the per-sample memory (`memory`, whose `numSamples` also sizes
 * the states of algorithms that keep one entry per unlabeled sample).
 */
export const REFERENCE_OPTIONS: readonly OptionEntry[] = ([
  { path: 'ema.momentum', kind: { type: 'number', min: 0, max: 1, maxOpen: true }, default: 0.999,
    help: 'EMA momentum of the teacher (the evaluated EMA model and the ema reference); 1 would freeze it at the initial weights',
    cli: { flag: 'ema-momentum', key: 'emaMomentum', valueName: 'M' } },
  { path: 'ema.warmup', kind: { type: 'boolean' }, default: false,
    help: 'EMA warm-up min(m, (1+k)/(10+k)) (use for short runs; --no-ema-warmup to turn off)', cli: { flag: 'ema-warmup', key: 'emaWarmup' } },
  { path: 'reference', kind: { type: 'enum', values: REFERENCES }, default: 'ema',
    help: 'temporal reference p̃, f̃ of AdaPL and IPH: ema (the teacher), previous (last step\'s model), memory (per-sample, AdaPL only)',
    cli: { flag: 'reference', key: 'reference', valueName: 'R' } },
  { path: 'memory.numSamples', kind: { type: 'int', min: 0 }, default: 0,
    help: 'size of the unlabeled index space (UnlabeledBatch.indices); needed by reference memory and by FlexMatch (the CLI sets it)' },
  { path: 'memory.momentum', kind: { type: 'number', min: 0, max: 1, maxOpen: true }, default: 0.6, help: 'EMA weight of old predictions in the temporal memory' },
] satisfies ReadonlyArray<Omit<OptionEntry, 'section'>>).map((e) => ({ ...e, section: 'temporal reference' }));
