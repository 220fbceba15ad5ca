// The shared pieces list and mutating tools lean on: one paginator (a page never repeats or skips
// an item, and nextPage is absent exactly on the last page) and the annotation presets (every
// served tool declares one of them, so hints cannot drift tool by tool).
import { describe, expect, it } from 'vitest';
import * as presets from '../src/tools/annotations.js';
import { nextPageOf, type Page, slicePage } from '../src/tools/paging.js';
import { allTools } from '../src/tools/toolsets.js';

describe('slicePage', () => {
  const items = Array.from({ length: 7 }, (_, i) => i);

  it('walks every item once, page after page, until nextPage is absent', () => {
    const seen: number[] = [];
    let page: number | undefined = 1;
    let pages = 0;
    while (page !== undefined) {
      const p: Page<number> = slicePage(items, 3, page);
      seen.push(...p.items);
      page = p.nextPage;
      pages++;
    }
    expect(seen).toEqual(items);
    expect(pages).toBe(3);
  });

  it('has no next page when the list ends exactly on a page, and an empty page past the end', () => {
    expect(slicePage(items.slice(0, 6), 3, 2)).toEqual({ items: [3, 4, 5], nextPage: undefined });
    expect(slicePage(items, 3, 4)).toEqual({ items: [], nextPage: undefined });
  });

  it('counts the next page from a total it did not hold', () => {
    expect(nextPageOf(101, 100, 1)).toBe(2);
    expect(nextPageOf(100, 100, 1)).toBeUndefined();
    expect(nextPageOf(0, 10, 1)).toBeUndefined();
  });
});

describe('annotation presets', () => {
  const named = Object.entries(presets);

  it('are all different, with all four hints', () => {
    const shapes = named.map(([, a]) => JSON.stringify(a));
    expect(new Set(shapes).size).toBe(named.length);
    for (const [, a] of named)
      expect(Object.keys(a).sort()).toEqual([
        'destructiveHint',
        'idempotentHint',
        'openWorldHint',
        'readOnlyHint',
      ]);
  });

  it('cover every tool: each declares the hints of one named preset', () => {
    const offenders = allTools
      .filter((t) => !named.some(([, a]) => JSON.stringify(a) === JSON.stringify(t.annotations)))
      .map((t) => `${t.name}: ${JSON.stringify(t.annotations)}`);
    expect(offenders).toEqual([]);
  });

  it('never call a read-only tool destructive', () => {
    for (const [name, a] of named) if (a.readOnlyHint) expect(a.destructiveHint, name).toBe(false);
  });
});
