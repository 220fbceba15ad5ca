// What tools/list advertises for a tool's input, and the file it is kept in. Tool JSON is paid
// for in every agent's context, so it is compact: no `$schema`, no `additionalProperties: false`,
// no bounds that say nothing (argWords.ts). Arguments and results are still checked against the
// full zod declarations inside callTool.ts (the full shapes are in test/__toolsnaps__ and the
// README). Measured by bench/tool-surface.ts.
//
// `npm run docs` writes these into catalog.json (catalog.ts), so a start converts nothing.
import { z } from 'zod';
import { compactInputSchema } from './argWords.js';
import type { CatalogEntry } from './catalog.js';
import { inputSchemaOf, type ToolDeclaration } from './defineTool.js';

export type ListedSchema = Record<string, unknown>;

export function listedInputSchema(decl: ToolDeclaration<any, any>): ListedSchema {
  const schema = z.toJSONSchema(inputSchemaOf(decl), { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    any
  >;
  delete schema.$schema;
  if (schema.additionalProperties === false) delete schema.additionalProperties;
  compactInputSchema(schema);
  return schema;
}

/** A declaration's catalog entry (what `npm run docs` writes to catalog.json). */
export function catalogEntryOf(decl: ToolDeclaration<any, any>): CatalogEntry {
  return {
    name: decl.name,
    title: decl.title,
    description: decl.description,
    toolset: decl.toolset,
    annotations: decl.annotations,
    ...(decl.allowInReadOnly ? { allowInReadOnly: true } : {}),
    inputSchema: listedInputSchema(decl),
  };
}
