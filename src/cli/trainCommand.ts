import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DataFormatError } from '../data/errors';
import { makeFolder } from '../util/atomicWrite';
import { WriteFailedError } from '../util/writeErrors';
import { classificationReport, type ClassificationReport } from '../metrics/classificationReport';
import type { EvalMetrics, StepLogs, TrainerCallbacks } from '../training/callbacks';
import { describeMethod } from '../training/algorithms/registry';
import { tensorBoardCallbacks, tensorBoardWriter } from '../backends/tensorBoard';
import { inferenceModel } from '../models/inferenceModel';
import { saveModelFiles } from '../training/saveModelFiles';
import { DivergenceError } from '../training/divergence';
import { heldOutEstimatorDiagnostics, type HeldOutSplit } from '../training/estimatorDiagnostics';
import type { Predictions } from '../training/evaluateModels';
import { SemiSupervisedTrainer } from '../training/trainer';
import {
  bestCheckpointPath, checkpointDir, checkpointPath, listCheckpoints, pruneCheckpoints, removeStaleTemporaries, resolveCheckpoint, runFolderOf, type ResolvedCheckpoint,
} from './checkpointFiles';
import { dataFingerprint } from './dataFingerprint';
import { CliUsageError, InterruptedError } from './cliError';
import { evalNumbers, predictOnPart } from './evaluateModel';
import type { CliIo } from './io';
import { MetricsLog, readMetricsLog, type EvalNumbers } from './metricsLog';
import { readConfigFile } from './configFile';
import { prepareData, type PreparedData } from './prepareData';
import { createProgressReporter } from './progress';
import { resolveTrainSettings } from './resolveSettings';
import { STOP_EXIT_CODES, shellQuote, type StopRequest } from './stopSignals';
import { buildModel, normalizer } from './runRecipe';
import { endSegment, recordSettings, scrubPaths, startSegment, withSegment, type RunSegment } from './provenance';
import { readRunRecord, recordedRun, writeRunRecord, type CheckpointMetadata, type RunRecord } from './runRecord';
import { EVAL_BATCH, trainerConfig, trainerSetup } from './trainerInputs';
import { TRAIN_OPTIONS, optionSpec, parseOptionValue, type OptionSpec, type TrainSettings } from './trainOptions';
import { useBackend } from './useBackend';
import { explainTrainWriteFailure } from './writeFailure';
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
 * the report's path (the demo's temporary folders are deleted). A write refused by the system (a full
 * disk, a read-only folder) is a WriteFailedError naming the file, the reason, the newest intact
 * checkpoint and the command to go on.
 *
 * With `stop` (the CLI passes its SIGINT/SIGTERM listener): on a stop signal the current step is
 * finished, a checkpoint of it is written (atomically, beside the older ones), and an InterruptedError
 * names the checkpoint and the command that resumes; a signal that comes after the last step lets the
 * run finish.
 */
export async function runTrainCommand(
  settings: TrainSettings, io: CliIo,
  opts: { label?: string; quietBackend?: boolean; hideReportPath?: boolean; resumed?: ResolvedCheckpoint; stop?: StopRequest } = {},
): Promise<TrainOutcome> {
  try {
    return await trainInto(settings, io, opts);
  } catch (e) {
    throw e instanceof WriteFailedError ? await explainTrainWriteFailure(e, settings.out) : e;
  }
}

async function trainInto(
  settings: TrainSettings, io: CliIo,
  opts: { label?: string; quietBackend?: boolean; hideReportPath?: boolean; resumed?: ResolvedCheckpoint; stop?: StopRequest },
): Promise<TrainOutcome> {
  const backend = await useBackend(settings.backend, io, opts.quietBackend);
  const resumed = opts.resumed ?? (settings.resume === undefined ? undefined : await resolveCheckpoint(settings.resume, '--resume', { quarantine: true }));
  const recorded = resumed === undefined ? undefined : recordedRun(resumed.file, resumed.payload, runFolderOf(resumed.file));
  if (recorded?.warning !== undefined) io.err(`tear-ssl: warning: ${recorded.warning}`);
  if (resumed !== undefined) {
    for (const s of resumed.skipped) io.out(`--resume: skipped ${s.file}: ${s.reason}${s.movedTo ? ` (renamed to ${s.movedTo})` : ''}`);
    if (resumed.skipped.length > 0) io.out(`--resume: using the newest valid checkpoint, ${resumed.file}`);
    checkSameData(settings, resumed.file, recorded as ReturnType<typeof recordedRun>);
  }
  const { out } = settings;
  checkOutFolder(out, resumed?.file);
  const data = await prepareData(settings);
  checkBatchFits(settings, data);
  const fingerprint = dataFingerprint(data);
  if (resumed !== undefined) checkFingerprint(resumed.file, recorded?.dataFingerprint, fingerprint, settings, io);
  if (!opts.quietBackend) io.out(`data: ${data.summary}`);
  makeFolder(checkpointDir(out));
  for (const file of removeStaleTemporaries(checkpointDir(out))) io.out(`removed ${file}, left by an interrupted checkpoint write`);
  const metadata: CheckpointMetadata = { settings: dataSettingsOf(settings), dataFingerprint: fingerprint };

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

  /** The last test evaluation: the final one reuses it when the last validation step already evaluated on test. */
  let lastTest: { step: number; student: EvalNumbers; ema: EvalNumbers; emaReport: ClassificationReport; predictions: Predictions } | undefined;
  const evaluateTest = async (step: number): Promise<NonNullable<typeof lastTest>> => {
    if (lastTest?.step === step) return lastTest;
    const t = trainer as SemiSupervisedTrainer;
    const predictions = await predictOnPart([model, t.emaModel as tf.LayersModel], data.test, { batchSize: EVAL_BATCH, preprocess });
    const [student, ema] = predictions.probs.map((p) => classificationReport(predictions.labels, p, data.numClasses));
    const result = { step, student: evalNumbers(student), ema: evalNumbers(ema), emaReport: ema, predictions };
    for (const m of ['student', 'ema'] as const) log.append({ type: 'eval', step, time: new Date().toISOString(), split: 'test', model: m, ...result[m] });
    lastTest = result;
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
      // the best-validation checkpoint, kept beside the latest ones (pruning only touches step-*.ckpt)
      await saveCheckpoint(trainer as SemiSupervisedTrainer, bestCheckpointPath(out), metadata);
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
        await saveCheckpoint(trainer as SemiSupervisedTrainer, checkpointPath(out, step), metadata);
        pruneCheckpoints(out, KEEP_CHECKPOINTS);
      }
    },
    onEvalEnd: async (k, metrics) => onEval(k + 1, metrics),
  };

  // loaded before training starts, so a missing tfjs-node fails at once, naming the package
  const tensorBoard = settings.tensorboard === undefined ? undefined : tensorBoardCallbacks(await tensorBoardWriter(settings.tensorboard));
  const setup = trainerSetup(settings, data, model, preprocess, tensorBoard ? [callbacks, tensorBoard] : callbacks);
  let unsubscribe: (() => void) | undefined;
  try {
    trainer = await SemiSupervisedTrainer.create({ ...setup, config: trainerConfig(settings, data) });
    if (resumed !== undefined) {
      await trainer.load(resumed.file);
      io.out(`resumed from ${resumed.file} at step ${trainer.step}`);
    }
    const startStep = trainer.step;
    // Recorded only now: a refused start (bad flags, other data, a checkpoint that does not fit) leaves the old run.json as it was.
    // Paths are stored relative to the run folder, so a committed record names no machine.
    const segment = startSegment(startStep, backend.reason);
    const previousSegments = resumed === undefined ? [] : previousRunSegments(out);
    const runRecord: RunRecord = {
      command: 'train', settings: recordSettings(settings, out), backend: scrubPaths(backend.reason), data: data.summary, dataFingerprint: fingerprint,
      segments: withSegment(previousSegments, segment.segment),
    };
    await writeRunRecord(out, runRecord);
    log.open(startStep);
    if (startStep > 0) {
      const best = bestValidation(readMetricsLog(log.file), 'ema');
      if (best) bestTop1 = best.top1;
    }
    log.append({ type: 'run', time: segment.segment.started, startStep, settings: recordSettings({ ...settings }, out), backend: scrubPaths(backend.reason) });
    const started = performance.now();
    lastLogged = { step: startStep, time: started };
    progress.start(settings.steps, startStep);
    // A stop signal ends the run after the step in progress (trainer.run checks stopTraining between steps).
    unsubscribe = opts.stop?.onSignal(() => { (trainer as SemiSupervisedTrainer).stopTraining = true; });
    try {
      // run() clears stopTraining when it starts: a signal that came before (during data preparation) is checked here
      if (opts.stop?.signal === undefined) await trainer.run(settings.steps, { keepLogs: false });
    } catch (e) {
      if (!(e instanceof DivergenceError)) throw e;
      const kept = listCheckpoints(checkpointDir(out));
      const newest = kept.length > 0 ? kept[kept.length - 1].file : undefined;
      throw new DivergenceError(e.step, e.tensor,
        newest === undefined ? 'no checkpoint was written before it' : `the newest checkpoint, ${newest}, is finite: --resume from it with a lower --lr`);
    } finally {
      progress.stop();
    }
    const seconds = (performance.now() - started) / 1000;
    const endStep = trainer.step;
    const ended = endSegment(segment, endStep);
    await writeRunRecord(out, { ...runRecord, segments: [...(runRecord.segments ?? []).slice(0, -1), ended] });
    if (opts.stop?.signal !== undefined && endStep < settings.steps) await stopWithCheckpoint(trainer, out, metadata, opts.stop.signal, settings.steps, io);
    await saveCheckpoint(trainer, checkpointPath(out, endStep), metadata);
    pruneCheckpoints(out, KEEP_CHECKPOINTS);
    const evaluatedAtEnd = settings.evalEvery > 0 && endStep % settings.evalEvery === 0 && endStep > startStep;
    if (data.validation.indices.length > 0 && !evaluatedAtEnd) await onEval(endStep, await trainer.evaluate());
    const test = await evaluateTest(endStep);
    // Loss-estimator quality of the final student (p) and EMA teacher (p̃) on held-out labels: the
    // validation split is where an estimator is chosen, test where it is reported (docs/method.md).
    const asSplit = ({ labels, probs }: Predictions): HeldOutSplit => ({ studentProbs: probs[0], referenceProbs: probs[1], labels });
    const validationPredictions = data.validation.indices.length > 0
      ? await predictOnPart([model, trainer.emaModel as tf.LayersModel], data.validation, { batchSize: EVAL_BATCH, preprocess }) : undefined;
    const heldOut = await heldOutEstimatorDiagnostics({
      validation: validationPredictions && asSplit(validationPredictions), test: asSplit(test.predictions),
    }, data.numClasses);
    for (const split of ['validation', 'test'] as const) {
      const scores = heldOut[split];
      if (scores !== undefined) log.append({ type: 'estimators', step: endStep, time: new Date().toISOString(), split, reference: 'ema', ...scores });
    }
    // the EMA model as a standard tfjs model (softmax output) for tf.loadLayersModel
    const exported = await saveModelFiles(inferenceModel(trainer.emaModel as tf.LayersModel), join(out, 'model'));
    const imagesPerSecond = ((endStep - startStep) * imagesPerStep) / Math.max(seconds, 1e-9);
    io.out(`${opts.label ? `${opts.label} ` : ''}test (${data.test.indices.length} images) after ${endStep} steps: ` +
      `top-1 EMA ${pct(test.ema.top1)} (student ${pct(test.student.top1)}), balanced ${pct(test.ema.balancedAccuracy)}, ` +
      `macro-F1 ${pct(test.ema.macroF1)}, macro AUC ${test.ema.macroAuc.toFixed(4)}`);
    const report = await writeRunReport(out, {
      title: `tear-ssl ${settings.method} on ${settings.dataset}`,
      settings: { ...recordSettings(orderedSettings(settings), out), ...flatten('trainer', trainer.config) },
      backend: { name: backend.name, reason: scrubPaths(backend.reason) },
      notes: [segmentNote(ended)],
      run: { startStep, endStep, seconds, imagesPerSecond, date: new Date().toISOString() },
      dataSummary: data.summary,
      finalStep: endStep,
      classes: { title: `EMA model, test split, step ${endStep}`, report: test.emaReport, classNames: data.classNames },
    });
    if (report.note) io.out(report.note);
    if (!opts.hideReportPath) io.out(`${opts.label ? `${opts.label} ` : ''}model: ${exported.modelJson} (EMA, softmax output; tf.loadLayersModel)`);
    if (!opts.hideReportPath) io.out(`${opts.label ? `${opts.label} ` : ''}report: ${report.file}`);
    return { out, backend: backend.name, startStep, endStep, seconds, imagesPerSecond, test: { student: test.student, ema: test.ema }, reportFile: report.file };
  } finally {
    unsubscribe?.();
    trainer?.dispose();
    model.dispose();
  }
}

/** The segments an earlier process recorded in `<out>/run.json`; none when it has none or cannot be read. */
function previousRunSegments(out: string): RunSegment[] {
  try {
    return readRunRecord(out)?.segments ?? [];
  } catch {
    return [];
  }
}

/** One line of the report on the process that trained: code, machine, load and time. */
function segmentNote(s: RunSegment): string {
  const load = (l: number[] | undefined): string => (l === undefined || l.length === 0 ? '?' : l.map((v) => v.toFixed(2)).join('/'));
  return `This segment (steps ${s.startStep}→${s.endStep ?? '?'}): commit ${s.commit ?? 'unknown'}${s.dirty ? ' with uncommitted changes' : ''}; ` +
    `tear-ssl ${s.versions?.tearSsl ?? '?'}, tfjs ${s.versions?.tfjs ?? '?'}, Node ${s.versions?.node ?? '?'}; ` +
    `${s.host?.cpuModel ?? '?'}, ${s.host?.cores ?? '?'} cores; load average ${load(s.load?.start)} at the start, ${load(s.load?.end)} at the end; ` +
    `${s.wallSeconds ?? '?'} s wall, ${s.cpuSeconds ?? '?'} s CPU. All segments: run.json.`;
}

/**
 * The end of a run stopped by a signal: a checkpoint of the last finished step (unless that step's is
 * already on disk, e.g. the one it resumed from), then an InterruptedError naming it and the command
 * that resumes. The checkpoint is written atomically, so a second Ctrl-C during the write leaves the
 * older checkpoints as they were.
 */
async function stopWithCheckpoint(
  trainer: SemiSupervisedTrainer, out: string, metadata: CheckpointMetadata, signal: keyof typeof STOP_EXIT_CODES, steps: number, io: CliIo,
): Promise<never> {
  const step = trainer.step;
  const file = checkpointPath(out, step);
  if (!existsSync(file)) {
    await saveCheckpoint(trainer, file, metadata);
    pruneCheckpoints(out, KEEP_CHECKPOINTS);
    io.out(`wrote ${file}`);
  }
  throw new InterruptedError(`train stopped by ${signal} after step ${step} of ${steps}; checkpoint: ${file}\n` +
    `  resume with: tear-ssl train --resume ${shellQuote(out)}`, STOP_EXIT_CODES[signal]);
}

/**
 * `tear-ssl train` from the user's flags: with --resume (a flag or a config key), the checkpoint is
 * resolved first (the newest valid one of a folder) and its run's recorded settings become the base of
 * the settings, so a resume need not repeat the data options.
 */
export async function trainFromFlags(flags: Record<string, unknown>, io: CliIo, opts: { stop?: StopRequest } = {}): Promise<TrainOutcome> {
  let resumeFlag = flags.resume;
  if (resumeFlag === undefined && typeof flags.config === 'string' && flags.config !== '') resumeFlag = readConfigFile(flags.config).resume;
  if (resumeFlag === undefined) return runTrainCommand(resolveTrainSettings(flags), io, opts);
  const resumePath = parseOptionValue(optionSpec('resume') as OptionSpec, resumeFlag, { kind: 'flag' }) as string;
  const resumed = await resolveCheckpoint(resumePath, '--resume', { quarantine: true });
  const recorded = recordedRun(resumed.file, resumed.payload, runFolderOf(resumed.file));
  return runTrainCommand(resolveTrainSettings(flags, new Date(), recorded.settings), io, { resumed, ...opts });
}

/**
 * A resumed run must cut and batch the data as the run that wrote the checkpoint did. The recorded
 * settings are the base of `settings` (resolveTrainSettings), so a difference here is a value the user
 * gave that conflicts with the record: refused, naming both.
 */
function checkSameData(settings: TrainSettings, checkpoint: string, recorded: ReturnType<typeof recordedRun>): void {
  const saved = recorded.settings;
  if (saved === undefined) return;
  const differing = DATA_SETTINGS.filter((key) => saved[key] !== undefined && saved[key] !== settings[key]);
  if (differing.length > 0) {
    throw new CliUsageError(`--resume ${checkpoint}: ${differing.map((k) => `${k} is ${JSON.stringify(settings[k])} here but ${JSON.stringify(saved[k])} in ${recorded.source}`).join('; ')}; ` +
      'leave these options out to take the run\'s own');
  }
}

/** The data fingerprint now must be the recorded one; without a record, a warning that nothing could be checked. */
export function checkFingerprint(checkpoint: string, recorded: string | undefined, now: string, settings: Pick<TrainSettings, 'dataset' | 'data'>, io: CliIo): void {
  if (recorded === undefined) {
    io.err(`tear-ssl: warning: ${checkpoint} has no data fingerprint (no run.json, written by an older tear-ssl): the data cannot be checked`);
    return;
  }
  if (recorded !== now) {
    throw new DataFormatError(settings.data ?? settings.dataset, `this data is not what ${checkpoint} was trained on: data fingerprint ${now.slice(0, 12)}… here, ` +
      `${recorded.slice(0, 12)}… recorded (other images, labels or split); use the run's data set, folder and split options`);
  }
}

/**
 * A fresh run must not write into a folder that holds another run's checkpoints (pruning would keep the
 * old run's higher steps and eval/--resume would pick them). A resume may write into its own run folder.
 */
function checkOutFolder(out: string, resumeFile: string | undefined): void {
  const existing = listCheckpoints(checkpointDir(out));
  if (existing.length === 0) return;
  const ownFolder = resumeFile !== undefined && runFolderOf(resumeFile) !== undefined && resolve(runFolderOf(resumeFile) as string) === resolve(out);
  if (ownFolder) return;
  const newest = existing[existing.length - 1];
  throw new CliUsageError(`--out ${out} already holds checkpoints of another run (${existing.length}, newest ${newest.file}); ` +
    `continue that run with --resume ${out}, or write to another --out (or delete the folder)`);
}

/** Largest number of float32 values one step's batch may hold (1 GiB): beyond it, a clear error instead of a RangeError. */
const MAX_BATCH_VALUES = 2 ** 28;

/** --batch-size × (1 + --mu) images of the data's size must fit in memory. */
function checkBatchFits(settings: TrainSettings, data: Pick<PreparedData, 'shape'>): void {
  const perImage = data.shape[0] * data.shape[1] * data.shape[2];
  const images = settings.batchSize * (settings.method === 'supervised' ? 1 : 1 + settings.mu);
  if (images * perImage > MAX_BATCH_VALUES) {
    throw new CliUsageError(`--batch-size ${settings.batchSize} with --mu ${settings.mu} makes ${images} images of ${data.shape.join('×')} per step ` +
      `(${images * perImage} values), more than the ${MAX_BATCH_VALUES} a step may hold; lower --batch-size or --mu`);
  }
}

/** The settings a resume or an eval needs to rebuild the run's data and model (stored in every checkpoint). */
function dataSettingsOf(settings: TrainSettings): Partial<TrainSettings> {
  const { resume: _resume, out: _out, progress: _progress, ...rest } = settings;
  return rest;
}

/** Writes a checkpoint carrying the CLI's metadata (settings and data fingerprint). */
async function saveCheckpoint(trainer: SemiSupervisedTrainer, file: string, metadata: CheckpointMetadata): Promise<void> {
  await trainer.save(file, { metadata: { ...metadata } });
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
