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
