import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ClassificationReport } from '../metrics/classificationReport';
import type { EvalMetrics, StepLogs, TrainerCallbacks } from '../training/callbacks';
import { describeMethod } from '../training/algorithms/registry';
import { SemiSupervisedTrainer } from '../training/trainer';
import { checkpointDir, checkpointPath, pruneCheckpoints, resolveCheckpoint, runFolderOf } from './checkpointFiles';
import { CliUsageError } from './cliError';
import { evalNumbers, evaluateOnPart } from './evaluateModel';
import type { CliIo } from './io';
import { MetricsLog, readMetricsLog, type EvalNumbers } from './metricsLog';
import { prepareData } from './prepareData';
import { createProgressReporter } from './progress';
import { buildModel, normalizer } from './runRecipe';
import { EVAL_BATCH, trainerConfig, trainerSetup } from './trainerInputs';
import { TRAIN_OPTIONS, type TrainSettings } from './trainOptions';
import { useBackend } from './useBackend';
import { bestValidation, writeRunReport } from './writeRunReport';

export { trainerConfig } from './trainerInputs';

/** What a finished `train` run measured (the demo builds its table from these). */
export interface TrainOutcome {
  out: string;
  backend: string;
  startStep: number;
  endStep: number;
  seconds: number;
  imagesPerSecond: number;
  /** Test metrics of the final student and EMA models. */
  test: { student: EvalNumbers; ema: EvalNumbers };
  reportFile: string;
}

/** Checkpoints kept per run (older ones are deleted as new ones are written). */
const KEEP_CHECKPOINTS = 2;

/** Settings that shape the data or the batches but are not in the trainer's checkpointed config. */
const DATA_SETTINGS = ['dataset', 'labels', 'budget', 'validation', 'test', 'batchSize', 'mu'] as const;

/**
 * `tear-ssl train`: prepares the data, builds the data set's model, trains with SemiSupervisedTrainer,
 * and writes into `settings.out`: run.json, metrics.jsonl, checkpoints/step-*.ckpt, report.md and SVG
 * curves. `label` prefixes progress lines (the demo runs several trainings); `hideReportPath` leaves out
 * the report's path (the demo's temporary folders are deleted).
 */
export async function runTrainCommand(
  settings: TrainSettings, io: CliIo, opts: { label?: string; quietBackend?: boolean; hideReportPath?: boolean } = {},
): Promise<TrainOutcome> {
  const backend = await useBackend(settings.backend, io, opts.quietBackend);
  const resumeFile = settings.resume === undefined ? undefined : resolveCheckpoint(settings.resume, '--resume');
  if (resumeFile !== undefined) checkSameData(settings, resumeFile);
  const data = await prepareData(settings);
  if (!opts.quietBackend) io.out(`data: ${data.summary}`);
  const { out } = settings;
  mkdirSync(checkpointDir(out), { recursive: true });
  writeFileSync(join(out, 'run.json'), `${JSON.stringify({ command: 'train', settings, backend: backend.reason, data: data.summary }, null, 2)}\n`);

  const model = buildModel(settings.dataset, data, settings.seed);
  const method = describeMethod(settings.method);
  const unlabeledUsed = method.unlabeled;
  const preprocess = normalizer(data.normalization);
  const log = new MetricsLog(join(out, 'metrics.jsonl'));
  const imagesPerStep = settings.batchSize * (unlabeledUsed ? 1 + settings.mu : 1);
  const progress = createProgressReporter(io, { live: settings.progress, logEvery: settings.logEvery, imagesPerStep, label: opts.label });
  let trainer: SemiSupervisedTrainer | undefined;
  let bestTop1 = -Infinity;
  let lastLogged = { step: 0, time: performance.now() };

  const evaluateTest = async (step: number): Promise<{ student: EvalNumbers; ema: EvalNumbers }> => {
    const t = trainer as SemiSupervisedTrainer;
    const [student, ema] = await evaluateOnPart([model, t.emaModel as tf.LayersModel], data.test, data.numClasses, { batchSize: EVAL_BATCH, preprocess });
    const result = { student: evalNumbers(student), ema: evalNumbers(ema) };
    for (const m of ['student', 'ema'] as const) log.append({ type: 'eval', step, time: new Date().toISOString(), split: 'test', model: m, ...result[m] });
    return result;
  };

  const onEval = async (step: number, metrics: EvalMetrics): Promise<void> => {
    const numbers = { student: evalNumbers(metrics.student as unknown as ClassificationReport), ema: evalNumbers(metrics.ema as unknown as ClassificationReport) };
    for (const m of ['student', 'ema'] as const) log.append({ type: 'eval', step, time: new Date().toISOString(), split: 'validation', model: m, ...numbers[m] });
    const improved = numbers.ema.top1 > bestTop1;
    progress.log(`${opts.label ? `${opts.label} ` : ''}eval step ${step}: validation top-1 EMA ${pct(numbers.ema.top1)} (student ${pct(numbers.student.top1)}), ` +
      `balanced ${pct(numbers.ema.balancedAccuracy)}, macro-F1 ${pct(numbers.ema.macroF1)}${improved ? ' (best so far)' : ''}`);
    if (improved) {
      bestTop1 = numbers.ema.top1;
      await evaluateTest(step);
    }
  };

  const callbacks: TrainerCallbacks = {
    onStepEnd: async (k: number, logs: StepLogs) => {
      const step = k + 1;
      progress.update(step, {
        loss: logs.loss, supervisedLoss: logs.supervised,
        unlabeledLoss: unlabeledUsed ? logs.unlabeled : undefined,
        terms: Object.fromEntries(method.terms.map((name) => [name, logs[name] ?? 0])),
        maskRate: unlabeledUsed ? logs.maskRate : undefined,
      });
      if (step % settings.logEvery === 0 || step === settings.steps) {
        const now = performance.now();
        const imagesPerSecond = ((step - lastLogged.step) * imagesPerStep) / Math.max(1e-9, (now - lastLogged.time) / 1000);
        lastLogged = { step, time: now };
        log.append({ type: 'step', step, time: new Date().toISOString(), ...logs, imagesPerSecond });
      }
      if (settings.checkpointEvery > 0 && step % settings.checkpointEvery === 0 && step < settings.steps) {
        await (trainer as SemiSupervisedTrainer).save(checkpointPath(out, step));
        pruneCheckpoints(out, KEEP_CHECKPOINTS);
      }
    },
    onEvalEnd: async (k, metrics) => onEval(k + 1, metrics),
  };

  const setup = trainerSetup(settings, data, model, preprocess, callbacks);
  try {
    trainer = await SemiSupervisedTrainer.create({ ...setup, config: trainerConfig(settings, data) });
    if (resumeFile !== undefined) {
      await trainer.load(resumeFile);
      io.out(`resumed from ${resumeFile} at step ${trainer.step}`);
    }
    const startStep = trainer.step;
    log.open(startStep);
    if (startStep > 0) {
      const best = bestValidation(readMetricsLog(log.file), 'ema');
      if (best) bestTop1 = best.top1;
    }
    log.append({ type: 'run', time: new Date().toISOString(), startStep, settings: { ...settings }, backend: backend.reason });
    const started = performance.now();
    lastLogged = { step: startStep, time: started };
    progress.start(settings.steps, startStep);
    try {
      await trainer.run(settings.steps);
    } finally {
      progress.stop();
    }
    const seconds = (performance.now() - started) / 1000;
    const endStep = trainer.step;
    await trainer.save(checkpointPath(out, endStep));
    pruneCheckpoints(out, KEEP_CHECKPOINTS);
    const evaluatedAtEnd = settings.evalEvery > 0 && endStep % settings.evalEvery === 0 && endStep > startStep;
    if (data.validation.indices.length > 0 && !evaluatedAtEnd) await onEval(endStep, await trainer.evaluate());
    const test = await evaluateTest(endStep);
    const imagesPerSecond = ((endStep - startStep) * imagesPerStep) / Math.max(seconds, 1e-9);
    io.out(`${opts.label ? `${opts.label} ` : ''}test (${data.test.indices.length} images) after ${endStep} steps: ` +
      `top-1 EMA ${pct(test.ema.top1)} (student ${pct(test.student.top1)}), balanced ${pct(test.ema.balancedAccuracy)}, ` +
      `macro-F1 ${pct(test.ema.macroF1)}, macro AUC ${test.ema.macroAuc.toFixed(4)}`);
    const report = await writeRunReport(out, {
      title: `tear-ssl ${settings.method} on ${settings.dataset}`,
      settings: { ...orderedSettings(settings), ...flatten('trainer', trainer.config) },
      backend: { name: backend.name, reason: backend.reason },
      run: { startStep, endStep, seconds, imagesPerSecond, date: new Date().toISOString() },
      dataSummary: data.summary,
      finalStep: endStep,
    });
    if (report.note) io.out(report.note);
    if (!opts.hideReportPath) io.out(`${opts.label ? `${opts.label} ` : ''}report: ${report.file}`);
    return { out, backend: backend.name, startStep, endStep, seconds, imagesPerSecond, test, reportFile: report.file };
  } finally {
    trainer?.dispose();
    model.dispose();
  }
}

/** A resumed run must cut and batch the data as the run that wrote the checkpoint did (its run.json). */
function checkSameData(settings: TrainSettings, checkpoint: string): void {
  const folder = runFolderOf(checkpoint);
  if (folder === undefined) return;
  const file = join(folder, 'run.json');
  if (!existsSync(file)) return;
  const saved = (JSON.parse(readFileSync(file, 'utf8')) as { settings?: Partial<TrainSettings> }).settings ?? {};
  const differing = DATA_SETTINGS.filter((key) => saved[key] !== undefined && saved[key] !== settings[key]);
  if (differing.length > 0) {
    throw new CliUsageError(`--resume ${checkpoint}: ${differing.map((k) => `${k} is ${JSON.stringify(settings[k])} here but ${JSON.stringify(saved[k])} in ${file}`).join('; ')}; ` +
      'resume with the same data options (or pass --config with that run\'s settings)');
  }
}

/** The settings in --help order (dataset first). */
function orderedSettings(settings: TrainSettings): Record<string, unknown> {
  return Object.fromEntries(TRAIN_OPTIONS.map((o) => [o.key, (settings as unknown as Record<string, unknown>)[o.key]]).filter(([, v]) => v !== undefined));
}

function flatten(prefix: string, value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { [prefix]: value };
  return Object.assign({}, ...Object.entries(value).map(([k, v]) => flatten(`${prefix}.${k}`, v)));
}

const pct = (v: number): string => (Number.isFinite(v) ? `${(100 * v).toFixed(2)}%` : '–');
