// Credential errors. Texts follow olares-cli's error table (docs/refresh.md#credential-errors) with this
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

/** A derived auth URL is plain http to a public host and OLARES_ALLOW_HTTP is off (L7). */
export class PlainHttpRefusedError extends OlaresMcpError {
  constructor(problem: string) {
    super(
      `${problem}; nothing was sent. Fix: use an https URL (OLARES_URL_TEMPLATE, or the profile's authUrlOverride in config.json), or set OLARES_ALLOW_HTTP=1 in the server's environment if this network is private`,
      { code: 'plain_http_refused' },
    );
  }
}

/** A credential would go to an auth host nobody trusted, and the user did not confirm it. */
export class UntrustedAuthHostError extends OlaresMcpError {
  constructor(
    readonly host: string,
    what: 'import' | 'login',
    olaresId: string,
    reason: string,
  ) {
    const terminal =
      what === 'import'
        ? `olares-mcp import --olares-id ${olaresId} --refresh-token-file <path>`
        : `olares-mcp login --olares-id ${olaresId}`;
    super(
      `the auth host ${host} is new: no profile uses it and OLARES_TRUSTED_DOMAINS does not list it, so nothing was sent to it (${reason}). Fix: if ${host} really is the user's Olares box, the user adds it to OLARES_TRUSTED_DOMAINS in the server's environment, or runs in a terminal: ${terminal}`,
      { code: 'untrusted_auth_host' },
    );
  }
}

/** A profile name that could be mistaken for another identity, or that is already taken (L4). */
export class InvalidProfileNameError extends OlaresMcpError {
  constructor(name: string, why: string) {
    super(
      `the profile name "${name}" ${why}; nothing was stored. Fix: choose another name, or leave name out`,
      {
        code: 'invalid_profile_name',
      },
    );
  }
}

/** OLARES_PROFILE_LOCK=1 pins every call to one profile. */
export class ProfileLockedError extends OlaresMcpError {
  constructor(pinned: string, asked: string) {
    super(
      `OLARES_PROFILE_LOCK=1 pins every call to the profile ${pinned}; ${asked} is refused. Fix: leave the profile argument out, or the user changes OLARES_PROFILE / unsets OLARES_PROFILE_LOCK in the server's environment`,
      { code: 'profile_locked' },
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
