import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const repo = join(__dirname, '..', '..');

/** A process started by {@link startNode}: its output lines (stderr prefixed), and waits on a line or the exit. */
export interface Started {
  child: ChildProcess;
  lines: string[];
  /** Resolves when a line matches (at once if one already did); rejects if the process exits first. */
  waitFor(re: RegExp): Promise<string>;
  /** The exit code (128 + n for a signal n). */
  exited: Promise<number>;
}

/** `node --import tsx <args>` in the repository root (a script, or src/cli/main.ts and its arguments). */
export function startNode(args: string[], env: NodeJS.ProcessEnv = {}): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const lines: string[] = [];
  const waiters: Array<{ re: RegExp; resolve: (line: string) => void }> = [];
  const collect = (prefix: string) => {
    let buffer = '';
    return (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      for (const part of parts) {
        const line = `${prefix}${part}`;
        lines.push(line);
        for (const w of waiters.splice(0)) (w.re.test(line) ? w.resolve(line) : waiters.push(w));
      }
    };
  };
  child.stdout?.on('data', collect(''));
  child.stderr?.on('data', collect('stderr: '));
  const exited = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGKILL' ? 137 : signal === 'SIGTERM' ? 143 : signal === 'SIGINT' ? 130 : 1))));
  const waitFor = (re: RegExp) => new Promise<string>((resolve, reject) => {
    const seen = lines.find((l) => re.test(l));
    if (seen !== undefined) return resolve(seen);
    waiters.push({ re, resolve });
    void exited.then((code) => reject(new Error(`process exited (${code}) before printing ${re}:\n${lines.join('\n')}`)));
  });
  return { child, lines, waitFor, exited };
}
