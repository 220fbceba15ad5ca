// Every OLARES_* variable the server reads: name, type, default and meaning, parsed strictly in
// this one place. The user's environment is trusted, but a typo in a safety switch must never
// weaken it: a value that is not one of the accepted ones stops the server with a message that
// names the variable and what it accepts (fail closed). An empty value means unset.
import { isAbsolute } from 'node:path';
import { OlaresMcpError } from './errors.js';

export class ConfigError extends OlaresMcpError {
  constructor(message: string) {
    super(message, { code: 'invalid_config' });
  }
}

export { type Kind, VARIABLES, type VariableSpec } from './configVariables.js';

export type ConfirmMode = 'ask' | 'strict' | 'off';

/** Where shared state lives. Keys come from the environment, newest first, never from the store. */
export type StateConfig =
  | { kind: 'file' }
  | {
      kind: 'redis';
      host: string;
      port: number;
      password?: string;
      prefix: string;
      tokenKeys: Buffer[];
      stateKeys: Buffer[];
    };

export interface Config {
  home?: string;
  urlTemplate?: string;
  profile?: string;
  profileLock: boolean;
  tokenStore: 'auto' | 'keychain' | 'file';
  toolsets?: string;
  readOnly: boolean;
  confirm: ConfirmMode;
  /** false when OLARES_FORMS=off: behave as if the client could not show forms. */
  forms: boolean;
  /** undefined when unset; entries as written (resolved by the local-path rules). */
  localRoots?: string[];
  trustedDomains: string[];
  allowHttp: boolean;
  allowHardlinks: boolean;
  insecureSkipVerify: boolean;
  openBrowser: boolean;
  loginTtlMs: number;
  uploadChunkBytes?: number;
  marketPollMs: number;
  marketWaitMs: number;
  lockStaleMs: number;
  /** Remote mode: requests a second per principal and replica. */
  ratePerSecond: number;
  debug: boolean;
  /** Remote mode: the accepted issuer as written (RFC 8414: its metadata must name it identically). */
  mcpIssuer?: string;
  /** Remote mode: the endpoint's public URL exactly as configured (it is compared as a string). */
  mcpResource?: string;
  /** Remote mode: the origin of the connect page as people reach it (OLARES_MCP_CONNECT_URL). */
  mcpConnectUrl?: string;
  state: StateConfig;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

/**
 * undefined for unset or empty; the trimmed value otherwise. A desktop bundle host leaves
 * `${user_config.x}` in place when the user set nothing: that is unset too.
 */
function raw(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name]?.trim();
  return v && !v.startsWith('${user_config.') ? v : undefined;
}

export function parseBoolean(env: NodeJS.ProcessEnv, name: string, fallback = false): boolean {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  const lower = v.toLowerCase();
  if (TRUE.has(lower)) return true;
  if (FALSE.has(lower)) return false;
  throw new ConfigError(
    `${name}="${env[name]}" is not a boolean. Fix: set it to one of 1, true, yes, on (or 0, false, no, off), or unset it`,
  );
}

function parseEnum<T extends string, F>(
  env: NodeJS.ProcessEnv,
  name: string,
  values: readonly T[],
  fallback: F,
): T | F {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  const lower = v.toLowerCase();
  const hit = values.find((x) => x === lower);
  if (hit) return hit;
  throw new ConfigError(
    `${name}="${env[name]}" is not one of ${values.join(', ')}. Fix: set it to one of those, or unset it`,
  );
}

function parseInteger(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ConfigError(
      `${name}="${env[name]}" is not a whole number from ${min} to ${max}. Fix: correct it or unset it`,
    );
  return n;
}

/** A list separated by `sep`, blanks dropped; undefined when nothing is left. */
function parseList(env: NodeJS.ProcessEnv, name: string, sep: string): string[] | undefined {
  const v = raw(env, name);
  if (v === undefined) return undefined;
  const items = v
    .split(sep)
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
}

/** Roots are absolute: a relative one would mean the working directory, which is never a root. */
function parseLocalRoots(env: NodeJS.ProcessEnv, delimiter: string): string[] | undefined {
  const items = parseList(env, 'OLARES_LOCAL_ROOTS', delimiter);
  const relative = items?.find((item) => !isAbsolute(item));
  if (relative !== undefined)
    throw new ConfigError(
      `OLARES_LOCAL_ROOTS has an entry "${relative}" that is not an absolute path. Fix: list absolute folders separated by '${delimiter}'`,
    );
  return items;
}

const HOST_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/** `auth.example.com` or `*.example.com`, lower-cased; anything else stops the server. */
function parseTrustedDomains(env: NodeJS.ProcessEnv): string[] {
  const items = parseList(env, 'OLARES_TRUSTED_DOMAINS', ',') ?? [];
  return items.map((item) => {
    const entry = item.toLowerCase().replace(/\.$/, '');
    const host = entry.startsWith('*.') ? entry.slice(2) : entry;
    const [name, port, ...more] = host.split(':');
    const portOk = port === undefined || (/^\d{1,5}$/.test(port) && more.length === 0);
    if (!portOk || !name?.split('.').every((l) => HOST_LABEL.test(l)))
      throw new ConfigError(
        `OLARES_TRUSTED_DOMAINS has an entry "${item}" that is not a host name. Fix: list exact hosts (auth.alice.example.com) or suffixes written *.example.com, separated by commas`,
      );
    return entry;
  });
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether a URL host names this machine (plain http is acceptable only there). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return LOOPBACK_HOSTS.has(host) || host.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * An https URL (http only on loopback) without credentials, query or fragment: these name where
 * tokens come from and whom they are for, so anything a peer could read differently stops the server.
 */
function parseServiceUrl(env: NodeJS.ProcessEnv, name: string): URL | undefined {
  const v = raw(env, name);
  if (v === undefined) return undefined;
  const fail = (why: string): never => {
    throw new ConfigError(
      `${name}="${v}" ${why}. Fix: set it to an https URL such as https://auth.example.com, or unset it`,
    );
  };
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return fail('is not a URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname)))
    fail('is neither https nor http on loopback');
  if (url.username || url.password) fail('carries credentials');
  if (url.search || url.hash || /[?#]/.test(v)) fail('has a query or fragment');
  return url;
}

/** The resource is compared as a string with token audiences: one spelling, no trailing slash. */
function parseResource(env: NodeJS.ProcessEnv): string | undefined {
  const url = parseServiceUrl(env, 'OLARES_MCP_RESOURCE');
  if (!url) return undefined;
  const v = raw(env, 'OLARES_MCP_RESOURCE') as string;
  if (v.endsWith('/'))
    throw new ConfigError(
      `OLARES_MCP_RESOURCE="${v}" ends with '/'. Fix: write the endpoint URL without the trailing slash (${v.replace(/\/+$/, '')})`,
    );
  return v;
}

/** An origin only: profile_login appends /connect/<id>, so a path would be silently dropped. */
function parseConnectUrl(env: NodeJS.ProcessEnv): string | undefined {
  const url = parseServiceUrl(env, 'OLARES_MCP_CONNECT_URL');
  if (!url) return undefined;
  if (url.pathname !== '/')
    throw new ConfigError(
      `OLARES_MCP_CONNECT_URL="${raw(env, 'OLARES_MCP_CONNECT_URL')}" has a path. Fix: give scheme and host only (${url.origin})`,
    );
  return url.origin;
}

/** Base64 of exactly 32 bytes, or unset; anything else stops the server. The value is never echoed. */
function parseKey(env: NodeJS.ProcessEnv, name: string): Buffer | undefined {
  const v = raw(env, name);
  if (v === undefined) return undefined;
  const key = Buffer.from(v, 'base64');
  if (key.length !== 32 || !/^[A-Za-z0-9+/]+={0,2}$/.test(v))
    throw new ConfigError(
      `${name} is not base64 of 32 bytes. Fix: set it to the output of \`openssl rand -base64 32\` (from the deployment's Secret)`,
    );
  return key;
}

function requireKey(env: NodeJS.ProcessEnv, name: string): Buffer {
  const key = parseKey(env, name);
  if (key) return key;
  throw new ConfigError(
    `OLARES_STATE=redis needs ${name}: keys never live in the store. Fix: set it to base64 of 32 random bytes (openssl rand -base64 32) from the deployment's Secret`,
  );
}

function parseState(env: NodeJS.ProcessEnv): StateConfig {
  if (parseEnum(env, 'OLARES_STATE', ['file', 'redis'] as const, 'file') === 'file') return { kind: 'file' };
  const host = raw(env, 'OLARES_REDIS_HOST');
  if (!host)
    throw new ConfigError(
      'OLARES_STATE=redis needs OLARES_REDIS_HOST. Fix: set the host of the shared store',
    );
  const previous = (name: string) => {
    const key = parseKey(env, name);
    return key ? [key] : [];
  };
  return {
    kind: 'redis',
    host,
    port: parseInteger(env, 'OLARES_REDIS_PORT', 6379, 1, 65535),
    password: env.OLARES_REDIS_PASSWORD || undefined,
    prefix: raw(env, 'OLARES_REDIS_PREFIX') ?? 'olares-mcp:',
    tokenKeys: [requireKey(env, 'OLARES_MCP_TOKEN_KEY'), ...previous('OLARES_MCP_TOKEN_KEY_PREVIOUS')],
    stateKeys: [requireKey(env, 'OLARES_MCP_STATE_KEY'), ...previous('OLARES_MCP_STATE_KEY_PREVIOUS')],
  };
}

/** Parses every OLARES_* variable; throws ConfigError naming the first bad one. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const delimiter = process.platform === 'win32' ? ';' : ':';
  const chunk = raw(env, 'OLARES_UPLOAD_CHUNK_BYTES');
  return {
    home: raw(env, 'OLARES_MCP_HOME'),
    urlTemplate: raw(env, 'OLARES_URL_TEMPLATE'),
    profile: raw(env, 'OLARES_PROFILE'),
    profileLock: parseBoolean(env, 'OLARES_PROFILE_LOCK'),
    tokenStore: parseEnum(env, 'OLARES_TOKEN_STORE', ['auto', 'keychain', 'file'] as const, 'auto' as const),
    toolsets: raw(env, 'OLARES_TOOLSETS'),
    readOnly: parseBoolean(env, 'OLARES_READ_ONLY'),
    confirm: parseEnum(env, 'OLARES_CONFIRM', ['strict', 'off'] as const, 'ask' as const),
    forms: parseEnum(env, 'OLARES_FORMS', ['on', 'off'] as const, 'on') === 'on',
    localRoots: parseLocalRoots(env, delimiter),
    trustedDomains: parseTrustedDomains(env),
    allowHttp: parseBoolean(env, 'OLARES_ALLOW_HTTP'),
    allowHardlinks: parseBoolean(env, 'OLARES_ALLOW_HARDLINKS'),
    insecureSkipVerify: parseBoolean(env, 'OLARES_INSECURE_SKIP_VERIFY'),
    openBrowser: parseBoolean(env, 'OLARES_OPEN_BROWSER'),
    loginTtlMs: parseInteger(env, 'OLARES_LOGIN_TTL_MS', 5 * 60_000, 100, 24 * 3600_000),
    uploadChunkBytes:
      chunk === undefined
        ? undefined
        : parseInteger(env, 'OLARES_UPLOAD_CHUNK_BYTES', 8 * 1024 * 1024, 1024, 8 * 1024 * 1024),
    marketPollMs: parseInteger(env, 'OLARES_MARKET_POLL_MS', 2000, 10, 3600_000),
    marketWaitMs: parseInteger(env, 'OLARES_MARKET_WAIT_MS', 15 * 60_000, 10, 24 * 3600_000),
    lockStaleMs: parseInteger(env, 'OLARES_MCP_LOCK_STALE_MS', 20_000, 2000, 3600_000),
    ratePerSecond: parseInteger(env, 'OLARES_MCP_RATE_PER_SECOND', 20, 1, 100_000),
    debug: /^(1|true|yes|on|debug)$/i.test(raw(env, 'OLARES_MCP_DEBUG') ?? ''),
    mcpIssuer: parseServiceUrl(env, 'OLARES_MCP_ISSUER') && raw(env, 'OLARES_MCP_ISSUER'),
    mcpResource: parseResource(env),
    mcpConnectUrl: parseConnectUrl(env),
    state: parseState(env),
  };
}
