import { describe, expect, it } from 'vitest';
import { largerMemoryLimit, wholeRebuildMemoryLimit } from '../../transforms/run.ts';

describe('largerMemoryLimit (the hint after a transform ran out of memory)', () => {
  it('suggests twice the limit that ran out, in its own unit', () => {
    expect(largerMemoryLimit('4GB')).toBe('8GB');
    expect(largerMemoryLimit('3500MB')).toBe('7000MB');
    expect(largerMemoryLimit('2.5GiB')).toBe('5GiB');
    expect(largerMemoryLimit(' 8 gb ')).toBe('16gb');
  });

  it('suggests at least 4GB, the target of a nightly build', () => {
    expect(largerMemoryLimit('2GB')).toBe('4GB');
    expect(largerMemoryLimit('16MB')).toBe('4GB');
    expect(largerMemoryLimit('1999MB')).toBe('4GB');
  });

  it('suggests 4GB for a limit it cannot read', () => {
    expect(largerMemoryLimit('lots')).toBe('4GB');
  });
});

describe('wholeRebuildMemoryLimit (a build over every run, when no --memory-limit is given)', () => {
  it("takes half the machine's memory", () => {
    expect(wholeRebuildMemoryLimit(24e9, 0)).toBe('12000MB');
  });

  it("takes half the container's memory where a cgroup limits the process below the machine's", () => {
    expect(wholeRebuildMemoryLimit(24e9, 6e9)).toBe('3000MB');
    // A cgroup without a limit reports one larger than the machine.
    expect(wholeRebuildMemoryLimit(24e9, 2 ** 62)).toBe('12000MB');
  });

  it('never less than the nightly default', () => {
    expect(wholeRebuildMemoryLimit(2e9, 0)).toBe('2000MB');
    expect(wholeRebuildMemoryLimit(24e9, 1e9)).toBe('2000MB');
  });
});
