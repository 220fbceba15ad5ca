// server.json, the MCP Registry entry: generated from package.json and the configuration table,
// valid under the registry's 2025-12-11 rules, and naming exactly what npm publishes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderServerJson, SERVER_JSON } from '../scripts/server-json.js';
import { VARIABLES } from '../src/config.js';
import { officialNamespace, SCHEMA_URL, ServerJson } from './helpers/registrySchema.js';

const ROOT = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const text = readFileSync(SERVER_JSON, 'utf8');
const entry = JSON.parse(text);

const problems = (doc: unknown) => {
  const r = ServerJson.safeParse(doc);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};
const mutated = (change: (doc: any) => void) => {
  const doc = structuredClone(entry);
  change(doc);
  return problems(doc);
};

describe('server.json (MCP Registry entry)', () => {
  it('is what `npm run server-json` writes from package.json and src/config.ts', () => {
    expect(text, 'server.json is out of date: run npm run server-json').toBe(renderServerJson(pkg));
  });

  it(`passes the registry's rules for ${SCHEMA_URL}`, () => {
    expect(problems(entry)).toEqual([]);
    expect(entry.name).toMatch(officialNamespace);
  });

  it("names package.json's mcpName, version and package, served over stdio", () => {
    expect(entry.name).toBe(pkg.mcpName);
    expect(entry.version).toBe(pkg.version);
    expect(entry.packages).toHaveLength(1);
    expect(entry.packages[0]).toMatchObject({
      registryType: 'npm',
      identifier: pkg.name,
      version: pkg.version,
      transport: { type: 'stdio' },
    });
  });

  it('lists the variables users set, each described, with the tokens marked secret', () => {
    const known = new Map(VARIABLES.map((v) => [v.name, v]));
    const listed = entry.packages[0].environmentVariables;
    expect(listed.map((v: any) => v.name)).toEqual(
      expect.arrayContaining([
        'OLARES_URL_TEMPLATE',
        'OLARES_PROFILE',
        'OLARES_LOCAL_ROOTS',
        'OLARES_READ_ONLY',
      ]),
    );
    for (const v of listed) {
      expect(known.has(v.name), `${v.name} is not read by the server`).toBe(true);
      expect(v.description, v.name).toBe(known.get(v.name)?.description);
    }
    expect(listed.filter((v: any) => v.isSecret).map((v: any) => v.name)).toEqual([
      'OLARES_ACCESS_TOKEN',
      'OLARES_REFRESH_TOKEN',
    ]);
  });

  it('refuses what the registry refuses', () => {
    expect(mutated((d) => (d.name = 'olares-mcp'))).not.toEqual([]);
    expect(mutated((d) => (d.name = 'io.github.a/b/c'))).not.toEqual([]);
    expect(mutated((d) => (d.description = 'x'.repeat(101)))).not.toEqual([]);
    expect(mutated((d) => (d.version = '^1.0.0'))).not.toEqual([]);
    expect(mutated((d) => (d.packages[0].version = 'latest'))).not.toEqual([]);
    expect(mutated((d) => delete d.packages[0].version)).not.toEqual([]);
    expect(mutated((d) => delete d.packages[0].transport)).not.toEqual([]);
    expect(mutated((d) => (d.packages[0].registryBaseUrl = 'https://npm.example.com'))).not.toEqual([]);
    expect(mutated((d) => (d.packages[0].environmentVariables[0].is_secret = true))).not.toEqual([]);
    expect(mutated((d) => (d.packages[0].environmentVariables[0].isSecret = 'yes'))).not.toEqual([]);
    expect(
      mutated(
        (d) => (d.$schema = 'https://static.modelcontextprotocol.io/schemas/2025-09-29/server.schema.json'),
      ),
    ).not.toEqual([]);
    expect('io.github.olares-mcp/olares-mcp').toMatch(officialNamespace);
    expect('olares/olares-mcp').not.toMatch(officialNamespace);
  });
});
