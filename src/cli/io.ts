/** Where the CLI writes. Tests pass their own to capture the output; `processIo()` is the terminal. */
export interface CliIo {
  /** Writes a line (a newline is appended) to standard output. */
  out(line: string): void;
  /** Writes a line to standard error. */
  err(line: string): void;
  /** The stream a live progress bar draws on, or undefined when progress must be printed as lines. */
  progressStream?: NodeJS.WritableStream;
}

/** The process's own stdout/stderr; a progress bar only when stdout is a terminal. */
export function processIo(): CliIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    progressStream: process.stdout.isTTY ? process.stdout : undefined,
  };
}

/** An io that keeps every line in memory (for tests and for `runCli` callers that want the text). */
export function memoryIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (line) => void stdout.push(line), err: (line) => void stderr.push(line) };
}
