// What a server needs of its tools before one is called: names, words, annotations and the listed
// input schema, generated from the declarations by `npm run docs` into catalog.json. Building
// the 52 declarations' zod schemas cost more than the rest of a start together (zod 4 clones a
// schema on every .describe), so the declarations (toolsets.ts) are loaded on the first call
// instead; `npm run docs -- --check` (CI) and test/catalog.test.ts fail when the file is stale.

import catalogJson from './catalog.json' with { type: 'json' };
import type { Annotations, ToolDeclaration, Toolset } from './defineTool.js';

export interface CatalogEntry {
  name: string;
  title: string;
  description: string;
  toolset: Toolset;
  annotations: Annotations;
  allowInReadOnly?: boolean;
  /** The compact input schema tools/list advertises (listing.ts). */
  inputSchema: Record<string, unknown>;
}

export const CATALOG: readonly CatalogEntry[] = catalogJson as CatalogEntry[];

/** Every result is an object; its full shape is checked against the zod declaration (callTool.ts). */
export const LISTED_OUTPUT_SCHEMA: Record<string, unknown> = { type: 'object' };

let declarations: Promise<Map<string, ToolDeclaration<any, any>>> | undefined;

/** The full declaration of a served tool; its module is loaded on the first call of any tool. */
export async function declarationOf(name: string): Promise<ToolDeclaration<any, any>> {
  declarations ??= import('./toolsets.js').then(({ allTools }) => new Map(allTools.map((d) => [d.name, d])));
  const decl = (await declarations).get(name);
  if (!decl) throw new Error(`${name} is in catalog.json but not declared: run npm run docs`);
  return decl;
}
