// Reading service answers into typed results: one small parser per payload uses these, so a
// body in another shape fails with one WireShapeError naming the service, endpoint and field.
import { WireShapeError } from '../errors.js';

export type WireObject = Record<string, unknown>;

export class WireReader {
  constructor(
    readonly service: string,
    readonly endpoint: string,
  ) {}

  fail(field: string, detail?: string): never {
    throw new WireShapeError(this.service, this.endpoint, field, detail);
  }

  object(value: unknown, field: string): WireObject {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      this.fail(field, `should be an object, got ${kind(value)}`);
    return value as WireObject;
  }

  optObject(value: unknown, field: string): WireObject | undefined {
    return value === undefined || value === null ? undefined : this.object(value, field);
  }

  array(value: unknown, field: string): unknown[] {
    if (!Array.isArray(value)) this.fail(field, `should be an array, got ${kind(value)}`);
    return value;
  }

  string(o: WireObject, key: string, at = ''): string {
    const v = o[key];
    if (typeof v !== 'string') this.fail(`${at}${key}`, `should be a string, got ${kind(v)}`);
    return v;
  }

  optString(o: WireObject, key: string, at = ''): string | undefined {
    const v = o[key];
    return v === undefined || v === null ? undefined : this.string(o, key, at);
  }

  number(o: WireObject, key: string, at = ''): number {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isFinite(v))
      this.fail(`${at}${key}`, `should be a number, got ${kind(v)}`);
    return v;
  }

  optNumber(o: WireObject, key: string, at = ''): number | undefined {
    const v = o[key];
    return v === undefined || v === null ? undefined : this.number(o, key, at);
  }

  optBoolean(o: WireObject, key: string, at = ''): boolean | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') this.fail(`${at}${key}`, `should be true or false, got ${kind(v)}`);
    return v;
  }
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string "${v.slice(0, 40)}"`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v).slice(0, 40)}`;
}
