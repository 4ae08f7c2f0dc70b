/**
 * A mistake in what the user asked for (an option, a config file, a missing data folder).
 * `runCli` prints its message as `tear-ssl: error: <message>` and returns exit code 2, without a stack trace.
 */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}
