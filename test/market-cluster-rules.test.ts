// The small rules the audit found drifting from olares-cli and ks-apiserver-proxy: the watch
// baseline compares parsed times (watch.go passesBaseline) and list paging survives the proxy's
// whole-list answers for regular users (cache/user.js).
import { describe, expect, it } from 'vitest';
import type { AppRow } from '../src/olares/market.js';
import { pageOf } from '../src/tools/cluster/index.js';
import { newerThan } from '../src/tools/market/index.js';

const row = (statusTime?: string): AppRow => ({ name: 'a', source: 's', state: 'running', statusTime });

describe('watch baseline (newerThan)', () => {
  it('needs a parseable status time: a row without one is not news', () => {
    expect(newerThan(row(undefined), undefined)).toBe(false);
    expect(newerThan(row(''), '2026-11-20T10:00:00Z')).toBe(false);
    expect(newerThan(row('not a time'), undefined)).toBe(false);
    expect(newerThan(row('2026-11-20T10:00:00Z'), undefined)).toBe(true);
  });

  it('compares times as times, not as strings', () => {
    // As strings '2026-11-20T10:00:00.5Z' < '2026-11-20T10:00:00Z'; as times it is later.
    expect(newerThan(row('2026-11-20T10:00:00.5Z'), '2026-11-20T10:00:00Z')).toBe(true);
    expect(newerThan(row('2026-11-20T11:00:00+02:00'), '2026-11-20T10:00:00Z')).toBe(false);
    expect(newerThan(row('2026-11-20T10:00:00Z'), '2026-11-20T10:00:00Z')).toBe(false);
  });
});

describe('pageOf', () => {
  const items = Array.from({ length: 7 }, (_, i) => i);
  it('keeps an honest server page as it is', () => {
    expect(pageOf({ items: [3, 4, 5], totalItems: 7 }, 3, 2)).toEqual({
      items: [3, 4, 5],
      total: 7,
      nextPage: 3,
    });
    expect(pageOf({ items: [6], totalItems: 7 }, 3, 3)).toEqual({
      items: [6],
      total: 7,
      nextPage: undefined,
    });
  });
  it('pages a whole list locally', () => {
    expect(pageOf({ items, totalItems: 7 }, 3, 1)).toEqual({ items: [0, 1, 2], total: 7, nextPage: 2 });
    expect(pageOf({ items, totalItems: 7 }, 3, 3)).toEqual({ items: [6], total: 7, nextPage: undefined });
    // Fewer items than the limit, but page 2 asked and the whole list came back: not a repeat.
    expect(pageOf({ items: [0, 1], totalItems: 2 }, 5, 2)).toEqual({
      items: [],
      total: 2,
      nextPage: undefined,
    });
  });
});
