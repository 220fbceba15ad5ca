// Credential errors. Texts follow olares-cli's error table (olares-api/auth.md sec. 13) with this
// server's own commands in the call to action.
import { OlaresMcpError } from '../errors.js';

export const loginHint = (id: string) =>
  `profile_login {olaresId: "${id}"} (terminal: olares-mcp login --olares-id ${id})`;
const importHint = (id: string) =>
  `profile_import {olaresId: "${id}", refreshTokenEnv: "OLARES_REFRESH_TOKEN"}`;

export class NoProfileError extends OlaresMcpError {
  constructor() {
    super(
      'no Olares profile is configured: run profile_login {olaresId: "<id>"} (terminal: olares-mcp login --olares-id <id>) or profile_import {olaresId: "<id>", refreshTokenEnv: "OLARES_REFRESH_TOKEN"}',
      { code: 'auth_no_profile' },
    );
  }
}

export class ProfileNotFoundError extends OlaresMcpError {
  constructor(
    readonly key: string,
    configPath: string,
    known: string[],
  ) {
    super(
      `profile "${key}" not found in ${configPath}${known.length ? `; known profiles: ${known.join(', ')}` : '; no profiles are configured yet'}. Fix: pick one from profile_list, or add it with profile_login`,
      { code: 'auth_profile_not_found' },
    );
  }
}

export class NotLoggedInError extends OlaresMcpError {
  constructor(readonly olaresId: string) {
    super(`no access token for ${olaresId}; run: ${loginHint(olaresId)}  (or ${importHint(olaresId)})`, {
      code: 'auth_not_logged_in',
    });
  }
}

export class TokenInvalidatedError extends OlaresMcpError {
  constructor(
    readonly olaresId: string,
    readonly invalidatedAt: number,
  ) {
    super(
      `refresh token for ${olaresId} became invalid at ${new Date(invalidatedAt).toISOString().replace(/\.\d{3}Z$/, 'Z')}; please run: ${loginHint(olaresId)}  (or ${importHint(olaresId)})`,
      { code: 'auth_token_invalidated' },
    );
  }
}

export class AlreadyAuthenticatedError extends OlaresMcpError {
  constructor(olaresId: string, remaining: string | undefined) {
    super(
      remaining
        ? `already authenticated for ${olaresId} (expires in ${remaining}).\nto re-authenticate, run: profile_remove {name: "${olaresId}"} (terminal: olares-mcp profile remove ${olaresId})`
        : `a token is already stored for ${olaresId} but its expiry can't be determined client-side.\nto re-authenticate, run: profile_remove {name: "${olaresId}"} (terminal: olares-mcp profile remove ${olaresId})`,
      { code: 'auth_already_authenticated' },
    );
  }
}

export class InvalidOlaresIdError extends OlaresMcpError {
  constructor(reason: string) {
    super(`${reason}. Fix: pass an olaresId like alice@olares.com`, { code: 'invalid_olares_id' });
  }
}

/** Wrong password, wrong TOTP code, or the auth host refused the grant. */
export class AuthenticationFailedError extends OlaresMcpError {
  constructor(message: string) {
    super(message, { code: 'auth_failed' });
  }
}

/** /api/refresh answered 401/403/459: the refresh grant is dead. */
export class RefreshRejectedError extends OlaresMcpError {
  constructor(
    readonly status: number,
    body: string,
  ) {
    super(`refresh token rejected by server: /api/refresh returned HTTP ${status}: ${body}`, {
      code: 'auth_refresh_rejected',
    });
  }
}

export class ConfigCorruptError extends OlaresMcpError {
  constructor(path: string, reason: string) {
    super(
      `the profile index ${path} is not valid (${reason}); it was left untouched. Fix: repair the JSON by hand, or move the file aside (profiles are then re-added with profile_login / profile_import)`,
      { code: 'config_corrupt' },
    );
  }
}

export class TokenStoreError extends OlaresMcpError {
  constructor(message: string, code = 'token_store') {
    super(message, { code });
  }
}

export class HomeNotWritableError extends OlaresMcpError {
  constructor(path: string, cause: unknown, op: 'write to' | 'read' = 'write to') {
    super(
      `cannot ${op} ${path} (${(cause as NodeJS.ErrnoException)?.code ?? String(cause)}). Fix: make the directory ${op === 'read' ? 'readable' : 'writable'} by this user, or point OLARES_MCP_HOME at a ${op === 'read' ? 'usable' : 'writable'} directory`,
      { code: 'home_not_writable' },
      { cause },
    );
  }
}

/**
 * Part of the state directory could be changed by someone other than this user (ssh's "bad owner
 * or permissions"): using it would let them redirect tokens or the audit log, so it is refused.
 */
export class UntrustedStateError extends OlaresMcpError {
  constructor(
    readonly path: string,
    problem: string,
    fix: string,
  ) {
    super(`refusing to use ${path}: ${problem}. Fix: ${fix}`, { code: 'state_untrusted' });
  }
}
