import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMethod } from '../training/algorithms/registry';
import type { CliIo } from './io';
import { resolveTrainSettings } from './resolveSettings';
import { runTrainCommand, type TrainOutcome } from './trainCommand';
import { DEMO_METHODS, demoFlags, demoTable, type DemoOptions, type DemoRow } from './demoRecipe';

export { DEMO_METHODS, demoFlags, demoTable, type DemoOptions, type DemoRow, type DemoTableRow } from './demoRecipe';

/**
 * `tear-ssl demo`: trains supervised-only, FixMatch and TEAR on the embedded digits data with the same
 * seed, model, steps and label budget, then prints a table of test metrics (EMA model) and says plainly
 * which method won and where a method did not beat the simpler one.
 */
export async function runDemoCommand(opts: DemoOptions, io: CliIo): Promise<DemoRow[]> {
  const root = opts.out ?? mkdtempSync(join(tmpdir(), 'tear-ssl-demo-'));
  const rows: DemoRow[] = [];
  const started = performance.now();
  try {
    io.out(`tear-ssl demo: supervised vs FixMatch vs TEAR on UCI digits (8×8), 50 labels${opts.quick ? ' (--quick: smoke run, numbers mean nothing)' : ''}`);
    for (const [i, method] of DEMO_METHODS.entries()) {
      const settings = resolveTrainSettings(demoFlags(opts, method, join(root, method)));
      io.out(`\n[${i + 1}/${DEMO_METHODS.length}] ${method}: ${settings.steps} steps, batch ${settings.batchSize}` +
        `${describeMethod(method).unlabeled ? ` + ${settings.mu * settings.batchSize} unlabeled` : ''}, seed ${settings.seed}`);
      const outcome = await runTrainCommand(settings, io, { label: method, quietBackend: i > 0, hideReportPath: opts.out === undefined });
      rows.push({ method, outcome });
    }
    const seconds = (performance.now() - started) / 1000;
    for (const line of demoTable(rows, seconds, opts.quick)) io.out(line);
    if (opts.out !== undefined) io.out(`\nRun folders (report.md, metrics.jsonl, checkpoints): ${root}/{${DEMO_METHODS.join(',')}}`);
    return rows;
  } finally {
    if (opts.out === undefined) rmSync(root, { recursive: true, force: true });
  }
}

