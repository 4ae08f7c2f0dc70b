import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../util/atomicWrite';
import { labeledBatches, unlabeledBatches } from '../data/index';
import { SemiSupervisedTrainer } from '../training/trainer';
import type { ClassificationReport } from '../metrics/classificationReport';
import { resolveCheckpoint, runFolderOf } from './checkpointFiles';
import { classLabels, confusionMatrixTable, perClassTable } from './classTables';
import { CliUsageError } from './cliError';
import { evalNumbers, evaluateOnPart } from './evaluateModel';
import type { CliIo } from './io';
import type { EvalNumbers } from './metricsLog';
import { dataFingerprint } from './dataFingerprint';
import { confusionMatrixSpec, renderSvg } from './plots';
import { prepareData } from './prepareData';
import { recordedRun } from './runRecord';
import { checkFingerprint } from './trainCommand';
import { resolveTrainSettings } from './resolveSettings';
import { augmentations, buildModel, normalizer } from './runRecipe';
import type { BackendName, DatasetName, TrainSettings } from './trainOptions';
import { useBackend } from './useBackend';

export interface EvalCommandOptions {
  checkpoint: string;
  dataset?: DatasetName;
  data?: string;
  backend: BackendName;
  batchSize: number;
  /** Folder for the confusion-matrix SVGs (`confusion-test.svg`, `confusion-validation.svg`); none when undefined. */
  out?: string;
}

export interface EvalOutcome {
  checkpoint: string;
  step: number;
  rows: Array<{ model: 'student' | 'ema'; split: 'validation' | 'test'; metrics: EvalNumbers }>;
  /** The EMA model's full classification report per split (per-class numbers, confusion matrix). */
  emaReports: Partial<Record<'validation' | 'test', ClassificationReport>>;
  /** SVG files written (with `out`). */
  plots: string[];
}

/**
 * `tear-ssl eval`: loads a checkpoint into the model of the run that wrote it (its run.json gives the
 * data set, split and model; --dataset/--data override) and prints test and validation metrics of the
 * student and the EMA model.
 */
export async function runEvalCommand(opts: EvalCommandOptions, io: CliIo): Promise<EvalOutcome> {
  const resolved = await resolveCheckpoint(opts.checkpoint, '--checkpoint');
  const { file } = resolved;
  for (const s of resolved.skipped) io.out(`--checkpoint: skipped ${s.file}: ${s.reason}`);
  if (resolved.skipped.length > 0) io.out(`--checkpoint: using the newest valid checkpoint, ${file}`);
  const recorded = recordedRun(file, resolved.payload, runFolderOf(file));
  if (recorded.warning !== undefined) io.err(`tear-ssl: warning: ${recorded.warning}`);
  const settings = evalSettings(file, opts, recorded);
  const backend = await useBackend(opts.backend, io);
  const data = await prepareData(settings);
  checkFingerprint(file, recorded.dataFingerprint, dataFingerprint(data), settings, io);
  io.out(`data: ${data.summary}`);
  const model = buildModel(settings.dataset, data, settings.seed);
  const augment = augmentations(settings.dataset);
  let trainer: SemiSupervisedTrainer | undefined;
  try {
    // The trainer reads the checkpoint (config, weights, EMA) and checks every shape; its data sources are never consumed here.
    trainer = await SemiSupervisedTrainer.resume(file, {
      model,
      labeled: (start) => labeledBatches(data.labeled.dataset, data.labeled.indices, 1, { seed: 0, startStep: start }),
      unlabeled: (start) => unlabeledBatches(data.unlabeled.dataset, data.unlabeled.indices, 1, { seed: 0, startStep: start }),
      weakAugment: augment.weak,
      strongAugment: augment.strong,
    });
    const preprocess = normalizer(data.normalization);
    const rows: EvalOutcome['rows'] = [];
    const emaReports: EvalOutcome['emaReports'] = {};
    for (const split of ['test', 'validation'] as const) {
      const part = data[split];
      if (part.indices.length === 0) continue;
      const [student, ema] = await evaluateOnPart([model, trainer.emaModel as tf.LayersModel], part, data.numClasses, { batchSize: opts.batchSize, preprocess });
      rows.push({ model: 'ema', split, metrics: evalNumbers(ema) }, { model: 'student', split, metrics: evalNumbers(student) });
      emaReports[split] = ema;
    }
    io.out(`checkpoint ${file} (step ${trainer.step}, method ${trainer.config.method}) on ${backend.name}:`);
    io.out('| model | split | top-1 | balanced acc. | macro-F1 | macro AUC |');
    io.out('|---|---|---:|---:|---:|---:|');
    for (const r of rows) {
      const m = r.metrics;
      io.out(`| ${r.model} | ${r.split} | ${pct(m.top1)} | ${pct(m.balancedAccuracy)} | ${pct(m.macroF1)} | ${Number.isFinite(m.macroAuc) ? m.macroAuc.toFixed(4) : '–'} |`);
    }
    const plots: string[] = [];
    for (const split of ['test', 'validation'] as const) {
      const report = emaReports[split];
      if (report === undefined) continue;
      for (const line of ['', `per class, EMA model, ${split} split:`, ...perClassTable(report, data.classNames),
        '', `confusion matrix, EMA model, ${split} split (rows true, columns predicted):`, ...confusionMatrixTable(report.confusionMatrix, data.classNames)]) io.out(line);
      if (opts.out !== undefined) {
        const names = classLabels(data.numClasses, data.classNames);
        const rendered = await renderSvg(confusionMatrixSpec(report.confusionMatrix, names, `Confusion matrix (EMA model, ${split} split, step ${trainer.step})`));
        if ('missing' in rendered) {
          io.out(`plots skipped: ${rendered.missing}; install them with \`npm install vega vega-lite\``);
        } else {
          const svg = join(opts.out, `confusion-${split}.svg`);
          await writeFileAtomic(svg, rendered.svg, { what: 'plot' });
          plots.push(svg);
          io.out(`confusion matrix plot: ${svg}`);
        }
      }
    }
    return { checkpoint: file, step: trainer.step, rows, emaReports, plots };
  } finally {
    trainer?.dispose();
    model.dispose();
  }
}

/**
 * The settings of the run that wrote `file` (its metadata or run.json), with --dataset/--data applied.
 * Another --dataset than the run's is refused (a model is only meaningful on the data it was trained
 * for); the data fingerprint then checks that --data holds the same images.
 */
function evalSettings(file: string, opts: EvalCommandOptions, recorded: ReturnType<typeof recordedRun>): TrainSettings {
  const saved = recorded.settings;
  if (saved === undefined && opts.dataset === undefined) {
    throw new CliUsageError(`--checkpoint ${file}: no run.json found next to it and no settings inside it, so pass --dataset (and --data) to say what it was trained on`);
  }
  if (saved?.dataset !== undefined && opts.dataset !== undefined && opts.dataset !== saved.dataset) {
    throw new CliUsageError(`--checkpoint ${file} was trained on ${saved.dataset} (${recorded.source}), not ${opts.dataset}; leave --dataset out`);
  }
  const flags: Record<string, unknown> = { ...(saved ?? {}) };
  delete flags.resume;
  delete flags.out;
  if (opts.dataset !== undefined) flags.dataset = opts.dataset;
  if (opts.data !== undefined) flags.data = opts.data;
  return resolveTrainSettings(flags);
}

const pct = (v: number): string => (Number.isFinite(v) ? `${(100 * v).toFixed(2)}%` : '–');
