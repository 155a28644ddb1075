import { describe, expect, it } from 'vitest';
import { availableMemory, largerMemoryLimit, wholeRebuildMemoryLimit } from '../../transforms/memory.ts';

const machine = { bytes: 24e9, of: 'machine' };

describe('largerMemoryLimit (the hint after a transform ran out of memory)', () => {
  it('suggests twice the limit that ran out', () => {
    expect(largerMemoryLimit('4GB', machine)).toBe('8000MB');
    expect(largerMemoryLimit('3500MB', machine)).toBe('7000MB');
    // GiB are 2^30 bytes, as DuckDB reads them.
    expect(largerMemoryLimit('2.5GiB', machine)).toBe('5369MB');
  });

  it('suggests at least 4GB, the target of a nightly build', () => {
    expect(largerMemoryLimit('2GB', machine)).toBe('4000MB');
    expect(largerMemoryLimit('16MB', machine)).toBe('4000MB');
  });

  it('suggests no more than 90% of the memory there is, and nothing once the limit is there', () => {
    expect(largerMemoryLimit('12000MB', machine)).toBe('21600MB');
    expect(largerMemoryLimit('21600MB', machine)).toBeUndefined();
    expect(largerMemoryLimit('3000MB', { bytes: 6e9, of: 'container' })).toBe('5400MB');
  });
});

describe('wholeRebuildMemoryLimit (a build over every run, when no --memory-limit is given)', () => {
  it("takes half the machine's memory", () => {
    expect(wholeRebuildMemoryLimit(machine)).toEqual({ limit: '12000MB', basis: "half this machine's memory" });
  });

  it('never less than the nightly default', () => {
    expect(wholeRebuildMemoryLimit({ bytes: 2e9, of: 'machine' })).toEqual({
      limit: '2000MB',
      basis: "the nightly default, more than half this machine's memory",
    });
  });
});

describe('availableMemory', () => {
  it("is the container's where a cgroup limits the process below the machine's", () => {
    expect(availableMemory(24e9, 6e9)).toEqual({ bytes: 6e9, of: 'container' });
  });

  it("is the machine's without a cgroup limit, or with one larger than the machine", () => {
    expect(availableMemory(24e9, 0)).toEqual({ bytes: 24e9, of: 'machine' });
    expect(availableMemory(24e9, 2 ** 62)).toEqual({ bytes: 24e9, of: 'machine' });
  });
});
