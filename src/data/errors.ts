/** Where in a file a format error was found: a 1-based line, a 0-based byte offset, or a JSON field. */
export interface DataErrorLocation {
  line?: number;
  offset?: number;
  field?: string;
}

/**
 * Bad input data. The message names the file and the line (text formats), the byte offset (binary
 * formats) or the field (JSON), e.g. `tear-ssl: data/x.csv:12: expected 65 values, got 64`.
 * The stack is cut to the message line: the place in the file is what matters, not the call chain.
 */
export class DataFormatError extends Error {
  override name = 'DataFormatError';
  readonly file: string;
  readonly line?: number;
  readonly offset?: number;
  readonly field?: string;

  constructor(file: string, message: string, where: DataErrorLocation = {}) {
    super(`tear-ssl: ${file}${locationSuffix(where)}: ${message}`);
    this.file = file;
    this.line = where.line;
    this.offset = where.offset;
    this.field = where.field;
    this.stack = `${this.name}: ${this.message}`;
  }
}

function locationSuffix({ line, offset, field }: DataErrorLocation): string {
  if (line !== undefined) return `:${line}`;
  if (offset !== undefined) return ` (byte offset ${offset})`;
  if (field !== undefined) return ` (field '${field}')`;
  return '';
}
