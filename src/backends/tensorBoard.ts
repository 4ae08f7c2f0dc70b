import * as tf from '@tensorflow/tfjs';
import type { EvalMetrics, StepLogs, TrainerCallbacks } from '../training/callbacks';
import { polyfillNodeUtil } from './selectBackend';

/** The part of tfjs-node's `SummaryFileWriter` the TensorBoard callbacks use. */
export interface ScalarWriter {
  /** Writes one scalar summary `name` = `value` at `step`. */
  scalar(name: string, value: number, step: number): void;
  /** Flushes pending summaries to the events file. */
  flush(): void;
}

const TFJS_NODE = '@tensorflow/tfjs-node';

/**
 * A TensorBoard events-file writer for `dir` (Node): tfjs-node's `tf.node.summaryFileWriter(dir)`.
 * tfjs-node is an optional peer loaded here on first use, never at import time; without it the error
 * says what to install. tfjs-node writes summaries with ops of its own backend, so the active backend must
 * be 'tensorflow' (train with `--backend tensorflow`, or 'auto' where tfjs-node loads); otherwise the error
 * says so at once instead of at the first scalar.
 *
 * @param dir - the log folder (`tensorboard --logdir dir`).
 * @param importer - module loader (tests inject failures); default dynamic `import()`.
 * @returns the writer.
 * @throws Error naming `@tensorflow/tfjs-node` when it cannot be loaded, or the active backend when it is not 'tensorflow'.
 */
export async function tensorBoardWriter(dir: string, importer: (specifier: string) => Promise<unknown> = (s) => import(s)): Promise<ScalarWriter> {
  let node: { node?: { summaryFileWriter?: (logdir: string) => ScalarWriter } };
  try {
    await polyfillNodeUtil();
    node = (await importer(TFJS_NODE)) as typeof node;
  } catch (e) {
    throw new Error(`tear-ssl: TensorBoard logging needs the optional peer dependency ${TFJS_NODE} ` +
      `(npm install ${TFJS_NODE}@~4.22.0; in a clone: npm run setup:tfjs-node): ${(e as Error).message.split('\n')[0]}`);
  }
  const create = node.node?.summaryFileWriter;
  if (typeof create !== 'function') throw new Error(`tear-ssl: ${TFJS_NODE} loaded but has no node.summaryFileWriter`);
  if (tf.getBackend() !== 'tensorflow') {
    throw new Error(`tear-ssl: TensorBoard logging writes through ${TFJS_NODE}'s backend, but the active backend is '${tf.getBackend()}': train with --backend tensorflow`);
  }
  return create(dir);
}

/**
 * Trainer callbacks that write TensorBoard scalars: every finite number of each step's logs as
 * `train/<key>` at step k + 1 (steps done), and each evaluation as `validation/<model>/<metric>`
 * (top1, balancedAccuracy, macroF1, macroAuc) for the student and the EMA model. Flushes at the end
 * of training and after each evaluation.
 *
 * @param writer - a ScalarWriter, e.g. from tensorBoardWriter.
 * @returns callbacks for `SemiSupervisedTrainer`'s `callbacks` option.
 */
export function tensorBoardCallbacks(writer: ScalarWriter): TrainerCallbacks {
  return {
    onStepEnd: (k: number, logs: StepLogs) => {
      for (const [key, value] of Object.entries(logs)) {
        if (typeof value === 'number' && Number.isFinite(value)) writer.scalar(`train/${key}`, value, k + 1);
      }
    },
    onEvalEnd: (k: number, metrics: EvalMetrics) => {
      for (const model of ['student', 'ema'] as const) {
        const r = metrics[model];
        const values: Record<string, number> = { top1: r.accuracy, balancedAccuracy: r.balancedAccuracy, macroF1: r.macroF1, macroAuc: r.rocAuc };
        for (const [name, value] of Object.entries(values)) {
          if (Number.isFinite(value)) writer.scalar(`validation/${model}/${name}`, value, k + 1);
        }
      }
      writer.flush();
    },
    onTrainEnd: () => writer.flush(),
  };
}
