// Every failure this server knows about is an OlaresMcpError subclass, born where the problem is
// detected. `describeError` (src/tools/errors.ts) is the one place that turns them into user text.

/** What a client can branch on without parsing the message; sent in an error result's `_meta`. */
export interface ErrorMeta {
  /** Machine code, olares-cli vocabulary where one exists (auth_not_logged_in, http_4xx, ...). */
  code: string;
  /** Whether calling again unchanged may succeed. */
  retryable?: boolean;
}

export class OlaresMcpError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(message: string, meta: ErrorMeta, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = meta.code;
    this.retryable = meta.retryable ?? false;
  }
}

/** Bad arguments from the caller: the message says which and how to fix them. */
export class InvalidInputError extends OlaresMcpError {
  constructor(message: string) {
    super(message, { code: 'invalid_input' });
  }
}

/**
 * A service answered in a shape this client does not know: one message naming the service, the
 * endpoint and the field, so a changed wire format fails loudly in one place instead of leaking
 * `undefined` or `[object Object]` into results.
 */
export class WireShapeError extends OlaresMcpError {
  constructor(
    readonly service: string,
    readonly endpoint: string,
    readonly field: string,
    detail?: string,
  ) {
    super(
      `${service} answered ${endpoint} in an unexpected shape: field '${field}'${detail ? ` ${detail}` : ''}. This box may run a version olares-mcp does not know yet`,
      { code: 'wire_shape' },
    );
  }
}

// Reading service answers into typed results: each client has one small parser per payload that
// uses these, so a body in another shape fails with one WireShapeError naming service, endpoint
// and field instead of surfacing later as `undefined` or `[object Object]`.

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
