import { existsSync, readFileSync } from 'node:fs';
import { appendFileWhole, writeFileAtomicSync } from '../util/atomicWrite';

/** One line of metrics.jsonl. `type` says which: a training step log, an evaluation, an estimator scoring, or the run's start. */
export type MetricsRecord =
  | { type: 'run'; time: string; startStep: number; settings: Record<string, unknown>; backend: string }
  | ({ type: 'step'; step: number; time: string; imagesPerSecond?: number } & Record<string, number | string | undefined>)
  | ({ type: 'eval'; step: number; time: string; split: 'validation' | 'test'; model: 'student' | 'ema' } & EvalNumbers)
  /** Loss-estimator quality on a labeled split at the end of training (heldOutEstimatorDiagnostics: student p, EMA reference p̃). */
  | ({ type: 'estimators'; step: number; time: string; split: 'validation' | 'test' } & Record<string, number | string>);

/** The metrics the CLI reports for one evaluation. */
export interface EvalNumbers {
  top1: number;
  balancedAccuracy: number;
  macroF1: number;
  /** Macro one-vs-rest ROC-AUC (NaN when undefined, e.g. a class absent from the split). */
  macroAuc: number;
  /** Recall of each class (its accuracy; NaN, logged as null, for a class absent from the split); absent in logs written before it was added. */
  recall?: number[];
  loss?: number;
}

/** Appends JSON records, one per line, to `file` (created if missing). */
export class MetricsLog {
  constructor(readonly file: string) {}

  /**
   * Prepares the file for a run starting at `startStep`: a fresh run empties it; a resumed run keeps the
   * lines up to `startStep` and drops later ones (written after the checkpoint it resumes from). The file
   * is replaced atomically, so a full disk cannot cut the kept lines short.
   */
  open(startStep: number): void {
    if (startStep === 0 || !existsSync(this.file)) {
      writeFileAtomicSync(this.file, '', { what: 'metrics log' });
      return;
    }
    const kept = readMetricsLog(this.file).filter((r) => r.type === 'run' || r.step <= startStep);
    writeFileAtomicSync(this.file, kept.map((r) => `${JSON.stringify(r)}\n`).join(''), { what: 'metrics log' });
  }

  /** Appends one line, whole or not at all (a `WriteFailedError` naming the file when the disk refuses it). */
  append(record: MetricsRecord): void {
    appendFileWhole(this.file, `${JSON.stringify(record, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))}\n`, { what: 'metrics log' });
  }
}

/** Reads metrics.jsonl back; a malformed line is an error naming the file and line number. */
export function readMetricsLog(file: string): MetricsRecord[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const records: MetricsRecord[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      records.push(JSON.parse(line) as MetricsRecord);
    } catch (error) {
      throw new Error(`tear-ssl: ${file} line ${i + 1} is not JSON: ${(error as Error).message}`);
    }
  });
  return records;
}
