import { describe, expect, it } from 'vitest';
import { benchLoad } from '../../scripts/renderDocs';
import { BUSY_LOAD_PER_CORE } from '../../bench/quiet';

describe('bench records: quiet or busy', () => {
  const record = (start: string, end: string): string =>
    `Machine: AMD EPYC, 2 logical cores, 24 GiB; load average ${start}/1.0/1.0\nDate: …\n\n| table |\n\nLoad average at the end: ${end}/1.0/1.0.\n`;

  it('reads the 1-minute load at the start and the end and calls the run busy above 0.5 per core at either', () => {
    expect(BUSY_LOAD_PER_CORE).toBe(0.5);
    expect(benchLoad(record('0.3', '0.9'))).toEqual({ cores: 2, loads: [0.3, 0.9], busy: false });
    expect(benchLoad(record('1.0', '0.2'))).toEqual({ cores: 2, loads: [1.0, 0.2], busy: false });
    expect(benchLoad(record('1.1', '0.2'))?.busy).toBe(true);
    expect(benchLoad(record('0.2', '12.6'))?.busy).toBe(true);
    expect(benchLoad('no machine line')).toBeUndefined();
  });
});
