/**
 * A mistake in what the user asked for (an option, a config file, a missing data folder).
 * `runCli` prints its message as `tear-ssl: error: <message>` and returns exit code 2, without a stack trace.
 */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

/**
 * The command stopped on SIGINT or SIGTERM after saving what it had (the message says where, and the
 * command that goes on). `runCli` prints it as `tear-ssl: <message>` and returns `exitCode`
 * (130 for SIGINT, 143 for SIGTERM).
 */
export class InterruptedError extends Error {
  override name = 'InterruptedError';

  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}
