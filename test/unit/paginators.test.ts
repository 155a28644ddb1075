import { describe, expect, it } from 'vitest';
import { followNext, prismCursor, stableOffset } from '../../core/http/paginators.ts';

const ids = (...n: number[]) => n.map((i) => ({ device_id: `d${String(i).padStart(3, '0')}` }));

describe('stableOffset (/devices)', () => {
  it('asks in device_id order with overlapping pages and drops the overlap', () => {
    const p = stableOffset({ limit: 3, key: 'device_id', overlap: 1 });
    expect(p.first()).toEqual({ limit: 3, offset: 0, ordering: 'device_id' });
    const a = p.read(ids(1, 2, 3), { limit: 3, offset: 0 });
    expect(a.rows).toEqual(ids(1, 2, 3));
    expect(a.next).toEqual({ query: { limit: 3, offset: 2 } });
    const b = p.read(ids(3, 4, 5), { limit: 3, offset: 2 });
    expect(b.rows).toEqual(ids(4, 5));
    const end = p.read(ids(5, 6), { limit: 3, offset: 4 });
    expect(end.rows).toEqual(ids(6));
    expect(end.next).toBeUndefined();
  });

  it('steps back a page when deletions shifted the fleet past the overlap', () => {
    const p = stableOffset({ limit: 3, key: 'device_id', overlap: 1 });
    p.read(ids(1, 2, 3), { limit: 3, offset: 0 });
    // Two devices before offset 2 were deleted: the page at offset 2 now starts at d006, past d003.
    const shifted = p.read(ids(6, 7, 8), { limit: 3, offset: 2 });
    expect(shifted.rows).toEqual([]);
    expect(shifted.next).toEqual({ query: { limit: 3, offset: 0 } });
    const again = p.read(ids(1, 4, 5), { limit: 3, offset: 0 });
    expect(again.rows).toEqual(ids(4, 5));
  });

  it('ends on an empty page past the end', () => {
    const p = stableOffset({ limit: 300, key: 'device_id', overlap: 5 });
    expect(p.read([], { limit: 300, offset: 0 })).toEqual({ rows: [], next: undefined });
  });
});

describe('followNext and prismCursor', () => {
  it('follows next links until null', () => {
    const p = followNext({ style: 'cursor envelope', first: {} });
    expect(p.read({ next: 'https://acme.kandji.io/api/v1/users?cursor=cD0x', previous: null, results: [1, 2] }, {})).toEqual({
      rows: [1, 2],
      next: { link: 'https://acme.kandji.io/api/v1/users?cursor=cD0x' },
    });
    expect(p.read({ next: null, results: [] }, {}).next).toBeUndefined();
    expect(() => p.read([1], {})).toThrow(/"results" list/);
  });

  it('pages Prism by cursor until it is null, empty or absent', () => {
    const p = prismCursor({ limit: 300, filter: '{"updated_at":{"gte":"2026-01-01T00:00:00.000Z"}}' });
    expect(p.first()).toEqual({ limit: 300, filter: '{"updated_at":{"gte":"2026-01-01T00:00:00.000Z"}}' });
    expect(p.read({ data: [1], cursor: 'YQ==' }, p.first()).next).toEqual({ query: { ...p.first(), cursor: 'YQ==' } });
    for (const cursor of [null, '', undefined]) expect(p.read({ data: [], cursor }, p.first()).next).toBeUndefined();
  });
});
