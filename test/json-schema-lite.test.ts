// The bundle validates elicitation answers (and the demo client's results) with
// src/jsonSchemaLite.ts instead of Ajv. For the schemas this server sends it must agree with Ajv,
// which stays in node_modules as the SDK's own dependency and serves here as the oracle.
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { liteJsonSchemaValidator } from '../src/jsonSchemaLite.js';

const SCHEMAS: Record<string, object> = {
  // src/tools/context.ts: the destructive-action confirmation.
  confirmation: {
    type: 'object',
    properties: { confirm: { type: 'boolean', title: 'Yes, do it', default: false } },
    required: ['confirm'],
  },
  // Every primitive the MCP spec allows in a form, with the bounds it allows.
  form: {
    type: 'object',
    properties: {
      name: { type: 'string', minLength: 2, maxLength: 8 },
      count: { type: 'integer', minimum: 1, maximum: 5 },
      ratio: { type: 'number', minimum: 0, maximum: 1 },
      color: { type: 'string', enum: ['red', 'green'] },
      size: { oneOf: [{ const: 's' }, { const: 'm' }] },
      tags: { type: 'array', minItems: 1, maxItems: 2, items: { type: 'string', enum: ['a', 'b'] } },
    },
    required: ['name', 'color'],
    additionalProperties: false,
  },
  // What the compacted tools/list advertises as every output schema.
  output: { type: 'object' },
};

const ajv = new Ajv({ strict: false });
const lite = (schema: object, value: unknown) => liteJsonSchemaValidator.getValidator(schema as any)(value);

// Each field is right about half the time, so whole forms pass often enough to compare both ways.
const mostly = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>) =>
  fc.oneof({ arbitrary: good, weight: 6 }, { arbitrary: bad, weight: 1 });
const formValue = fc.record(
  {
    name: mostly(
      fc.string({ minLength: 2, maxLength: 8 }),
      fc.oneof(fc.string({ maxLength: 12 }), fc.integer()),
    ),
    count: mostly(
      fc.integer({ min: 1, max: 5 }),
      fc.oneof(fc.integer({ min: -1, max: 7 }), fc.double(), fc.string()),
    ),
    ratio: mostly(
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.oneof(fc.double({ min: -1, max: 2 }), fc.boolean()),
    ),
    color: mostly(fc.constantFrom('red', 'green'), fc.constantFrom('blue', 1)),
    size: mostly(fc.constantFrom('s', 'm'), fc.constantFrom('l', null)),
    tags: mostly(
      fc.array(fc.constantFrom('a', 'b'), { minLength: 1, maxLength: 2 }),
      fc.array(fc.constantFrom('a', 'b', 'c', 3), { maxLength: 3 }),
    ),
    extra: fc.string(),
  },
  { requiredKeys: ['name', 'color'] },
);

describe('jsonSchemaLite', () => {
  for (const [name, schema] of Object.entries(SCHEMAS)) {
    it(`agrees with Ajv on the ${name} schema`, () => {
      const check = ajv.compile(schema);
      let accepted = 0;
      let refused = 0;
      fc.assert(
        fc.property(fc.oneof(formValue, fc.record({ confirm: fc.anything() }), fc.anything()), (value) => {
          const ours = lite(schema, value);
          expect(ours.valid, JSON.stringify(value)).toBe(check(value));
          if (ours.valid) accepted++;
          else {
            refused++;
            expect(ours.errorMessage).toMatch(/^value/);
          }
        }),
        { numRuns: 500 },
      );
      // Both outcomes were exercised, so agreement is not trivially "always valid".
      expect(accepted).toBeGreaterThan(0);
      expect(refused).toBeGreaterThan(0);
    });
  }

  it('names the field and the rule it broke', () => {
    expect(lite(SCHEMAS.form, { name: 'x', color: 'red' }).errorMessage).toBe(
      'value.name must be at least 2 characters',
    );
    expect(lite(SCHEMAS.confirmation, {}).errorMessage).toBe('value.confirm is required');
    expect(lite(SCHEMAS.form, { name: 'ok', color: 'red', tags: ['z'] }).errorMessage).toBe(
      'value.tags[0] must be one of "a", "b"',
    );
  });
});
