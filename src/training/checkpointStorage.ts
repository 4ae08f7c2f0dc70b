/**
 * Where the trainer's file-path methods (`save(file)`, `load(file)`, `SemiSupervisedTrainer.resume(file, …)`)
 * read and write checkpoint payloads. The trainer itself imports no file system: the Node module
 * (checkpoint.ts, loaded by `tear-ssl`) installs its atomic file writer and reader here when it loads;
 * any other environment may install its own, or use the in-memory `trainer.checkpoint()` and
 * `SemiSupervisedTrainer.fromCheckpoint(payload, setup)`.
 */
export interface CheckpointStorage {
  /** Reads the payload stored under `file` (errors: CheckpointError naming the file). */
  read(file: string): Promise<unknown>;
  /** Stores `payload` under `file`, never leaving a half-written checkpoint there. */
  write(file: string, payload: unknown): Promise<void>;
}

let installed: CheckpointStorage | undefined;

/** Installs the storage file-path checkpoint methods use (the Node module installs its files when loaded); returns the one it replaces. */
export function setCheckpointStorage(storage: CheckpointStorage | undefined): CheckpointStorage | undefined {
  const before = installed;
  installed = storage;
  return before;
}

/** The installed storage; throws, naming `method`, when none is (e.g. `tear-ssl/core` alone in a browser). */
export function checkpointStorage(method: string): CheckpointStorage {
  if (installed === undefined) {
    throw new Error(`tear-ssl.${method}: no checkpoint storage: file checkpoints are Node-only (import 'tear-ssl', which installs them); ` +
      'elsewhere use trainer.checkpoint() and SemiSupervisedTrainer.fromCheckpoint(payload, setup), or setCheckpointStorage({ read, write })');
  }
  return installed;
}
