// Arbitrary arguments for every tool (fast-check, generated from each tool's own input schema
// plus wrong types and hostile strings): never a crash or a hang, always a result or a JSON-RPC
// error with a non-empty message, and the server still answers tools/list afterwards.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type McpSession } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';

const RUNS = Number(process.env.FUZZ_RUNS) || 200;

const hostileStrings = fc.constantFrom(
  '',
  ' ',
  '.',
  '..',
  '/',
  '-',
  'drive/Home',
  'drive/Home/',
  'drive/Home/../..',
  '../../etc/passwd',
  'drive/Home/a\u0000b',
  'x'.repeat(5000),
  'é漢字 🚀',
  'alice@olares.com',
  'a@b@c',
  'kube-system',
  'user-space-alice',
  '%2e%2e%2f',
  'cache/',
  'sync/',
);

function arbitraryFor(schema: any, depth = 0): fc.Arbitrary<unknown> {
  const wrong = fc.oneof(
    fc.constant(null),
    fc.integer(),
    fc.boolean(),
    fc.string(),
    fc.array(fc.string(), { maxLength: 2 }),
    fc.object({ maxDepth: 1 }),
  );
  let right: fc.Arbitrary<unknown>;
  if (schema?.enum) right = fc.oneof(fc.constantFrom(...schema.enum), fc.string({ maxLength: 8 }));
  else if (schema?.anyOf || schema?.oneOf)
    right = fc.oneof(...(schema.anyOf ?? schema.oneOf).map((s: any) => arbitraryFor(s, depth + 1)));
  else
    switch (schema?.type) {
      case 'string':
        right = fc.oneof(
          hostileStrings,
          fc.string({ maxLength: 40 }),
          fc.string({ unit: 'binary', maxLength: 20 }),
        );
        break;
      case 'integer':
        right = fc.oneof(
          fc.integer({ min: -5, max: 50 }),
          fc.integer(),
          fc.constantFrom(0, -1, 2 ** 31, Number.MAX_SAFE_INTEGER),
        );
        break;
      case 'number':
        right = fc.oneof(fc.double({ noNaN: true }), fc.integer());
        break;
      case 'boolean':
        right = fc.boolean();
        break;
      case 'array':
        right = fc.array(arbitraryFor(schema.items ?? {}, depth + 1), { maxLength: depth > 1 ? 1 : 4 });
        break;
      case 'object': {
        const props = Object.entries(schema.properties ?? {});
        right =
          props.length && depth < 3
            ? fc.record(Object.fromEntries(props.map(([k, s]) => [k, arbitraryFor(s, depth + 1)])), {
                requiredKeys: [],
              })
            : fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 });
        break;
      }
      default:
        right = wrong;
    }
  return fc.oneof({ arbitrary: right, weight: 5 }, { arbitrary: wrong, weight: 1 });
}

function argsFor(tool: any): fc.Arbitrary<Record<string, unknown>> {
  const base = arbitraryFor(tool.inputSchema, 0) as fc.Arbitrary<Record<string, unknown>>;
  const extra = fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 1 });
  return fc.oneof(
    { arbitrary: base.filter((v) => v !== null && typeof v === 'object' && !Array.isArray(v)), weight: 8 },
    {
      arbitrary: fc
        .tuple(base, extra)
        .map(([b, e]) => ({ ...(typeof b === 'object' && b && !Array.isArray(b) ? b : {}), ...e })),
      weight: 1,
    },
  );
}

describe('fuzzing every tool', () => {
  let box: TestBox;
  let session: McpSession;
  let work: string;
  let tools: any[];

  beforeAll(async () => {
    box = await makeBox({ marketStepMs: 20 });
    await box.login('alice@olares.com');
    await box.login('bob@olares.com');
    work = await mkdtemp(join(tmpdir(), 'olares-mcp-fuzz-'));
    session = await connect({
      ...box.env,
      OLARES_TOOLSETS: 'all', // the opt-in toolsets take arguments from agents too
      OLARES_LOCAL_ROOTS: work,
      OLARES_MARKET_POLL_MS: '20',
      OLARES_LOGIN_TTL_MS: '2000',
    });
    tools = await session.listTools();
  }, 120_000);

  afterAll(async () => {
    await session?.close();
    await box?.close();
    await rm(work, { recursive: true, force: true });
  });

  it(`answers ${RUNS} arbitrary calls per tool without crashing or hanging`, async () => {
    expect(tools.length).toBeGreaterThan(0);
    const failures: string[] = [];
    for (const tool of tools) {
      await fc.assert(
        fc.asyncProperty(argsFor(tool), async (args) => {
          try {
            const r: any = await session.client.callTool({ name: tool.name, arguments: args }, undefined, {
              timeout: 30_000,
            });
            const text = (r.content ?? []).map((c: any) => c.text ?? '').join('');
            if (typeof r.isError !== 'undefined' && typeof r.isError !== 'boolean')
              failures.push(`${tool.name}: isError not boolean`);
            if (r.isError && !text.trim())
              failures.push(`${tool.name}: empty error text for ${JSON.stringify(args).slice(0, 200)}`);
            if (/internal error/.test(text))
              failures.push(`${tool.name}: ${text.slice(0, 300)} for ${JSON.stringify(args).slice(0, 200)}`);
          } catch (err) {
            const msg = (err as Error).message ?? '';
            if (!msg.trim() || /timed out|Connection closed/i.test(msg))
              failures.push(
                `${tool.name}: ${msg || 'empty JSON-RPC error'} for ${JSON.stringify(args).slice(0, 200)}`,
              );
          }
          return true;
        }),
        { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED) || undefined },
      );
    }
    expect(failures.slice(0, 20)).toEqual([]);
    const after = await session.client.listTools();
    expect(after.tools.length).toBe(tools.length);
  }, 600_000);
});
