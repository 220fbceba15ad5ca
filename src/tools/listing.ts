// What tools/list advertises for a tool's input, and the file it is kept in. Tool JSON is paid
// for in every agent's context, so it is compact: no `$schema`, no `additionalProperties: false`,
// no bounds that say nothing (argWords.ts). Arguments and results are still checked against the
// full zod declarations inside callTool.ts (the full shapes are in test/__toolsnaps__ and the
// README). Measured by bench/tool-surface.ts.
//
// The JSON is made from the zod declarations by `npm run docs` into listed-schemas.json, so a
// server start does not convert 46 zod schemas (about 10 ms); `npm run docs -- --check` (CI) and
// test/listing.test.ts fail when the file is stale, and a tool missing from it is converted at start.
import { z } from 'zod';
import { compactInputSchema } from './argWords.js';
import { inputSchemaOf, type ToolDeclaration } from './defineTool.js';
import listed from './listed-schemas.json' with { type: 'json' };

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

/** The generated schema, else the conversion (a tool added since the last `npm run docs`). */
export function listedSchemaOf(decl: ToolDeclaration<any, any>): ListedSchema {
  return (listed as Record<string, ListedSchema>)[decl.name] ?? listedInputSchema(decl);
}

export const LISTED_OUTPUT_SCHEMA: ListedSchema = { type: 'object' };
