// The tool catalog is generated (src/tools/catalog.ts): it must match the declarations, or
// tools/list would advertise words or arguments the server then treats otherwise.
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../src/tools/catalog.js';
import { catalogEntryOf } from '../src/tools/listing.js';
import { allTools } from '../src/tools/toolsets.js';

describe('catalog.json', () => {
  it('holds exactly what each declaration lists, in order (else: npm run docs)', () => {
    expect(CATALOG.map((t) => t.name)).toEqual(allTools.map((t) => t.name));
    for (const decl of allTools)
      expect(
        CATALOG.find((t) => t.name === decl.name),
        decl.name,
      ).toEqual(catalogEntryOf(decl));
  });
});
