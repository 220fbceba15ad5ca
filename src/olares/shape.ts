// Small typed readers for wire payloads. Each parser in src/olares/* walks an `unknown` body
// with one Reader, so a field in an unexpected shape becomes a WireShapeError that names the
// service, the endpoint and the field path (e.g. `data.apps[0].app_info`).
import { WireShapeError } from '../errors.js';

export type Fields = Record<string, unknown>;

const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

export class Reader {
  constructor(
    readonly service: string,
    readonly endpoint: string,
  ) {}

  fail(field: string, detail: string): never {
    throw new WireShapeError(this.service, this.endpoint, field, detail);
  }

  record(v: unknown, field: string): Fields {
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Fields;
    return this.fail(field, `is ${kind(v)}, expected an object`);
  }

  /** Absent (undefined or null) reads as an empty object. */
  optRecord(v: unknown, field: string): Fields {
    return v == null ? {} : this.record(v, field);
  }

  array(v: unknown, field: string): unknown[] {
    if (Array.isArray(v)) return v;
    return this.fail(field, `is ${kind(v)}, expected an array`);
  }

  /** Absent (undefined or null) reads as an empty list: Go encodes a nil slice as null. */
  optArray(v: unknown, field: string): unknown[] {
    return v == null ? [] : this.array(v, field);
  }

  str(v: unknown, field: string): string {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return this.fail(field, `is ${kind(v)}, expected a string`);
  }

  /** Absent or empty reads as undefined. */
  optStr(v: unknown, field: string): string | undefined {
    if (v == null || v === '') return undefined;
    return this.str(v, field);
  }

  num(v: unknown, field: string): number {
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n === 'number' && Number.isFinite(n)) return n;
    return this.fail(field, `is ${kind(v)}, expected a number`);
  }

  optNum(v: unknown, field: string): number | undefined {
    return v == null ? undefined : this.num(v, field);
  }
}

/** A locale map (`{"en-US": "..."}`) or a plain string, as the market sends titles. */
export function localized(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const m = v as Fields;
    for (const k of ['en-US', 'en', 'zh-CN']) if (typeof m[k] === 'string') return m[k] as string;
    const first = Object.values(m).find((x) => typeof x === 'string');
    return typeof first === 'string' ? first : '';
  }
  return '';
}
