// Refusals of remote mode (serve --http). Each is born where it is detected and carries what the
// HTTP layer needs (status, the OAuth error code); the text names the cause and the fix. Token
// texts never repeat the token or its claims: a refused request learns why, not what we hold.
import { OlaresMcpError } from '../errors.js';

/** 401: no token, or one that failed verification (RFC 6750 `invalid_token` when one was sent). */
export class BearerRejectedError extends OlaresMcpError {
  constructor(
    readonly reason: string,
    /** false when the request carried no bearer token at all: the challenge then has no error code. */
    readonly tokenSent: boolean,
  ) {
    super(
      tokenSent
        ? `bearer token refused: ${reason}. Fix: get a new token for this server from its authorization server`
        : `${reason}. Fix: send Authorization: Bearer <token>; the 401 challenge names the metadata that says where to get one`,
      { code: 'invalid_token' },
    );
  }
}

/** 403: a valid token without the scope the request needs (RFC 6750 `insufficient_scope`). */
export class InsufficientScopeError extends OlaresMcpError {
  constructor(readonly need: string) {
    super(
      `this token lacks the scope ${need}. Fix: ask the authorization server for a token with scope ${need}`,
      { code: 'insufficient_scope' },
    );
  }
}

/**
 * The configured issuer cannot be used (metadata unreachable or inconsistent, JWKS unreachable):
 * a server-side fault, answered 503 so a client does not throw its token away.
 */
export class IssuerUnusableError extends OlaresMcpError {
  constructor(issuer: string, detail: string, options?: { cause?: unknown }) {
    super(
      `the token issuer ${issuer} cannot be used: ${detail}. Fix: check OLARES_MCP_ISSUER and that its metadata and keys are reachable from this server`,
      { code: 'issuer_unusable', retryable: true },
      options,
    );
  }
}

/** The static bearer secret file is unsafe or unreadable: the server does not start with it. */
export class TokenFileError extends OlaresMcpError {
  constructor(path: string, problem: string, fix: string) {
    super(`--token-file ${path} ${problem}. Fix: ${fix}`, { code: 'token_file_refused' });
  }
}

/** `serve --http` was started with settings that do not fit together: it does not start. */
export class RemoteSetupError extends OlaresMcpError {
  constructor(problem: string, fix: string) {
    super(`serve --http: ${problem}. Fix: ${fix}`, { code: 'invalid_config' });
  }
}
