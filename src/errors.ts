// Every failure this server knows about is an OlaresMcpError subclass, born where the problem is
// detected. `describeError` (src/tools/errors.ts) is the one place that turns them into user text.

export interface ErrorFix {
  /** Machine code, olares-cli vocabulary where one exists (auth_not_logged_in, http_4xx, ...). */
  code: string;
  /** Whether calling again unchanged may succeed. */
  retryable?: boolean;
}

export class OlaresMcpError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(message: string, fix: ErrorFix, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = fix.code;
    this.retryable = fix.retryable ?? false;
  }
}

/** Bad arguments from the caller: the message says which and how to fix them. */
export class InvalidInputError extends OlaresMcpError {
  constructor(message: string) {
    super(message, { code: 'invalid_input' });
  }
}

/**
 * A service answered with a body this client cannot read: the shape changed or the wire was
 * misread. Names the service, the endpoint and the field, so a changed payload is one clear line.
 */
export class WireShapeError extends OlaresMcpError {
  constructor(
    readonly service: string,
    readonly endpoint: string,
    readonly field: string,
    detail?: string,
  ) {
    super(
      `${service} answered ${endpoint} with an unexpected body: field "${field}" ${detail ?? 'is missing or has the wrong type'}. The box may run a version this olares-mcp does not know; check the supported versions in the README`,
      { code: 'wire_shape' },
    );
  }
}
