// The listed input schemas are generated (src/tools/listing.ts): the file must match the zod
// declarations, or tools/list would advertise arguments the server then refuses.
import { describe, expect, it } from 'vitest';
import listed from '../src/tools/listed-schemas.json' with { type: 'json' };
import { listedInputSchema } from '../src/tools/listing.js';
import { allTools } from '../src/tools/toolsets.js';

describe('listed-schemas.json', () => {
  it('holds exactly the schema each declaration lists (else: npm run docs)', () => {
    const stored = listed as Record<string, unknown>;
    expect(Object.keys(stored).sort()).toEqual(allTools.map((t) => t.name).sort());
    for (const decl of allTools) expect(stored[decl.name], decl.name).toEqual(listedInputSchema(decl));
  });
});
