// The JSON Schema checks the SDK asks of this process: the answers to our elicitation forms (flat
// objects of primitives and enums, by the MCP spec) and, in `olares-mcp demo`, tool results against
// the output schemas our tools/list advertises. Ajv does far more; parsing it cost about a tenth
// of every server start (bench/startup.ts), so the bundle leaves it out (scripts/build.mjs).
// Keywords not handled below are accepted, never rejected.
import type { JsonSchemaType, jsonSchemaValidator } from '@modelcontextprotocol/server';

type Schema = Record<string, any>;

export const liteJsonSchemaValidator: jsonSchemaValidator = {
  getValidator<T>(schema: JsonSchemaType) {
    return (input: unknown) => {
      const problem = check(schema as Schema, input, 'value');
      return problem === undefined
        ? { valid: true as const, data: input as T, errorMessage: undefined }
        : { valid: false as const, data: undefined, errorMessage: problem };
    };
  },
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function hasType(type: string, v: unknown): boolean {
  switch (type) {
    case 'object':
      return isObject(v);
    case 'array':
      return Array.isArray(v);
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'null':
      return v === null;
    default:
      return typeof v === type;
  }
}

function check(schema: Schema | boolean | undefined, v: unknown, at: string): string | undefined {
  if (schema === false) return `${at} is not allowed`;
  if (!schema || schema === true) return undefined;
  if (schema.const !== undefined && v !== schema.const)
    return `${at} must be ${JSON.stringify(schema.const)}`;
  if (Array.isArray(schema.enum) && !schema.enum.includes(v))
    return `${at} must be one of ${schema.enum.map((e: unknown) => JSON.stringify(e)).join(', ')}`;
  if (schema.type !== undefined) {
    const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => hasType(t, v))) return `${at} must be ${types.join(' or ')}`;
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options: Schema[] | undefined = schema[key];
    if (Array.isArray(options) && !options.some((o) => check(o, v, at) === undefined))
      return `${at} matches none of the allowed forms`;
  }
  if (typeof v === 'number') {
    if (typeof schema.minimum === 'number' && v < schema.minimum) return `${at} must be >= ${schema.minimum}`;
    if (typeof schema.maximum === 'number' && v > schema.maximum) return `${at} must be <= ${schema.maximum}`;
  }
  if (typeof v === 'string') {
    if (typeof schema.minLength === 'number' && v.length < schema.minLength)
      return `${at} must be at least ${schema.minLength} characters`;
    if (typeof schema.maxLength === 'number' && v.length > schema.maxLength)
      return `${at} must be at most ${schema.maxLength} characters`;
  }
  if (Array.isArray(v)) {
    if (typeof schema.minItems === 'number' && v.length < schema.minItems)
      return `${at} needs at least ${schema.minItems} items`;
    if (typeof schema.maxItems === 'number' && v.length > schema.maxItems)
      return `${at} takes at most ${schema.maxItems} items`;
    for (let i = 0; i < v.length; i++) {
      const problem = check(schema.items, v[i], `${at}[${i}]`);
      if (problem) return problem;
    }
  }
  if (isObject(v)) {
    for (const key of schema.required ?? []) if (!(key in v)) return `${at}.${key} is required`;
    for (const [key, sub] of Object.entries<Schema>(schema.properties ?? {})) {
      if (!(key in v)) continue;
      const problem = check(sub, v[key], `${at}.${key}`);
      if (problem) return problem;
    }
    if (schema.additionalProperties === false) {
      const extra = Object.keys(v).find((k) => !(k in (schema.properties ?? {})));
      if (extra) return `${at}.${extra} is not allowed`;
    }
  }
  return undefined;
}
