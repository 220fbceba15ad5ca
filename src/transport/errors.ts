import { loginHint } from '../auth/errors.js';
import { OlaresMcpError } from '../errors.js';

const snippet = (body: string, n = 200) => {
  const s = body.replace(/\s+/g, ' ').trim();
  return s.length > n ? `${s.slice(0, n)}...` : s;
};

/** A service answered with a status the caller did not expect. Domain clients refine these. */
export class HttpStatusError extends OlaresMcpError {
  constructor(
    readonly status: number,
    readonly service: string,
    readonly method: string,
    readonly path: string,
    readonly body: string,
  ) {
    super(
      `${service} answered HTTP ${status} to ${method} ${path.split('?')[0]}${body ? `: ${snippet(body)}` : ''}`,
      {
        code: status >= 500 ? 'http_5xx' : 'http_4xx',
        retryable: status >= 500 || status === 429,
      },
    );
  }
}

/** 401/459 even after a refresh: the token is not accepted. */
export class AuthRejectedError extends OlaresMcpError {
  constructor(
    readonly status: number,
    olaresId: string,
  ) {
    super(`server rejected the access token (HTTP ${status}); please run: ${loginHint(olaresId)}`, {
      code: 'auth_rejected',
    });
  }
}

/** 403 after a refresh: a permission problem, not a login problem. */
export class PermissionDeniedError extends OlaresMcpError {
  constructor(
    readonly service: string,
    readonly method: string,
    readonly path: string,
    olaresId: string,
    detail?: string,
  ) {
    super(
      `server rejected the request (HTTP 403): ${olaresId} does not have permission for ${method} ${service}${path.split('?')[0]}${detail ? ` (${snippet(detail, 160)})` : ''}. Logging in again will not help; ask the box's owner or an admin, or use a profile with that role`,
      { code: 'permission_denied' },
    );
  }
}
