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

type Kind = 'boolean' | 'string' | 'integer' | 'enum' | 'list';

export interface VariableSpec {
  name: string;
  kind: Kind;
  /** Accepted values of an enum, in the order README lists them. */
  values?: readonly string[];
  default: string;
  description: string;
  /** Read by the credential provider or by tests only; listed for completeness. */
  group: 'connection' | 'safety' | 'credentials' | 'tuning' | 'remote';
  /** Holds a credential: registry clients (server.json) must mask it and keep it out of logs. */
  secret?: boolean;
}

/** A key from the deployment's Secret (remote mode): never in the store, never logged. */
const secretKey = (name: string, description: string): VariableSpec => ({
  name,
  kind: 'string',
  default: '(unset)',
  description,
  group: 'remote',
  secret: true,
});

/** The table README's configuration section is generated from. */
export const VARIABLES: readonly VariableSpec[] = [
  {
    name: 'OLARES_MCP_HOME',
    kind: 'string',
    default: '~/.config/olares-mcp (platform config dir)',
    description: 'State directory: config.json, tokens/, locks/, audit.log.',
    group: 'connection',
  },
  {
    name: 'OLARES_URL_TEMPLATE',
    kind: 'string',
    default: 'https://{service}.{prefix}{terminus}',
    description:
      'Base URL of every service; placeholders {service} {local} {domain} {terminus} {prefix}. A template whose host has no identity placeholder makes that host trusted.',
    group: 'connection',
  },
  {
    name: 'OLARES_PROFILE',
    kind: 'string',
    default: 'the current profile',
    description: 'Profile this server process uses (name or olaresId); does not move the current pointer.',
    group: 'connection',
  },
  {
    name: 'OLARES_PROFILE_LOCK',
    kind: 'boolean',
    default: 'off',
    description:
      'Pin every call to OLARES_PROFILE (or the current profile): a tool call naming another profile is refused.',
    group: 'safety',
  },
  {
    name: 'OLARES_TOKEN_STORE',
    kind: 'enum',
    values: ['auto', 'keychain', 'file'],
    default: 'auto',
    description: 'Where tokens are kept: the OS keychain if usable, else the encrypted file store.',
    group: 'connection',
  },
  {
    name: 'OLARES_TOOLSETS',
    kind: 'string',
    default: 'profile, files, market, cluster, dashboard',
    description: 'Comma list of toolsets to serve, or "all".',
    group: 'connection',
  },
  {
    name: 'OLARES_READ_ONLY',
    kind: 'boolean',
    default: 'off',
    description:
      'Serve only read-only tools (plus profile_login, profile_import with its env source, profile_use).',
    group: 'safety',
  },
  {
    name: 'OLARES_CONFIRM',
    kind: 'enum',
    values: ['strict', 'off'],
    default: '(empty): ask when the client can show a form',
    description:
      'strict: every risky change needs a form or an approval link; off: never ask (results say confirmed: false).',
    group: 'safety',
  },
  {
    name: 'OLARES_FORMS',
    kind: 'enum',
    values: ['on', 'off'],
    default: 'on',
    description:
      'off: do not use form elicitation even when the client declares it (clients that declare forms but never draw them); approval links are used instead.',
    group: 'safety',
  },
  {
    name: 'OLARES_LOCAL_ROOTS',
    kind: 'list',
    default: '(unset): the client roots; with neither, local-path tools are refused',
    description:
      "Absolute directories (path-delimiter list) that upload sources, download targets and refresh-token files must lie in; intersected with the client's MCP roots when it gives some.",
    group: 'safety',
  },
  {
    name: 'OLARES_TRUSTED_DOMAINS',
    kind: 'list',
    default: '(unset)',
    description:
      'Comma list of auth hosts that may receive credentials without a confirmation: exact hosts, or *.example.com for a suffix.',
    group: 'safety',
  },
  {
    name: 'OLARES_ALLOW_HTTP',
    kind: 'boolean',
    default: 'off',
    description:
      'Allow plain-http URL templates for hosts outside loopback and private ranges (127/8, ::1, localhost, 10/8, 172.16/12, 192.168/16, fc00::/7).',
    group: 'safety',
  },
  {
    name: 'OLARES_ALLOW_HARDLINKS',
    kind: 'boolean',
    default: 'off',
    description: 'Allow uploading local files that have more than one hard link.',
    group: 'safety',
  },
  {
    name: 'OLARES_INSECURE_SKIP_VERIFY',
    kind: 'boolean',
    default: 'off',
    description: 'Accept self-signed TLS certificates (local boxes).',
    group: 'connection',
  },
  {
    name: 'OLARES_OPEN_BROWSER',
    kind: 'boolean',
    default: 'off',
    description: 'Open login and approval pages in the default browser.',
    group: 'connection',
  },
  {
    name: 'OLARES_ID',
    kind: 'string',
    default: '(unset)',
    description:
      'With OLARES_ACCESS_TOKEN and/or OLARES_REFRESH_TOKEN: the env credential provider (CI), never written to the store.',
    group: 'credentials',
  },
  {
    name: 'OLARES_ACCESS_TOKEN',
    kind: 'string',
    default: '(unset)',
    description: 'Access token for OLARES_ID (env credential provider).',
    group: 'credentials',
    secret: true,
  },
  {
    name: 'OLARES_REFRESH_TOKEN',
    kind: 'string',
    default: '(unset)',
    description:
      'Refresh token for OLARES_ID, or the one variable profile_import {refreshTokenEnv} may read.',
    group: 'credentials',
    secret: true,
  },
  {
    name: 'OLARES_LOGIN_TTL_MS',
    kind: 'integer',
    default: '300000',
    description: 'How long a login or approval link stays valid.',
    group: 'tuning',
  },
  {
    name: 'OLARES_UPLOAD_CHUNK_BYTES',
    kind: 'integer',
    default: '8388608',
    description: 'Upload chunk size (1 KiB to 8 MiB).',
    group: 'tuning',
  },
  {
    name: 'OLARES_MARKET_POLL_MS',
    kind: 'integer',
    default: '2000',
    description: 'How often market wait polls the app state.',
    group: 'tuning',
  },
  {
    name: 'OLARES_MARKET_WAIT_MS',
    kind: 'integer',
    default: '900000',
    description: 'How long market wait polls before giving up.',
    group: 'tuning',
  },
  {
    name: 'OLARES_MCP_LOCK_STALE_MS',
    kind: 'integer',
    default: '20000',
    description:
      'When a refresh lock of a dead process counts as stale; with OLARES_STATE=redis, the refresh lease time to live.',
    group: 'tuning',
  },
  {
    name: 'OLARES_MCP_DEBUG',
    kind: 'boolean',
    default: 'off',
    description: 'Debug lines on stderr (never a secret).',
    group: 'tuning',
  },
  {
    name: 'OLARES_STATE',
    kind: 'enum',
    values: ['file', 'redis'],
    default: 'file',
    description:
      'Where profiles, tokens, refresh leases, single-use ids and bindings live: the state directory, or a Redis-compatible store shared by replicas (docs/shared-state.md).',
    group: 'remote',
  },
  {
    name: 'OLARES_REDIS_HOST',
    kind: 'string',
    default: '(required with OLARES_STATE=redis)',
    description: 'Host of the shared store (the box injects it as .Values.redis.host).',
    group: 'remote',
  },
  {
    name: 'OLARES_REDIS_PORT',
    kind: 'integer',
    default: '6379',
    description: 'Port of the shared store.',
    group: 'remote',
  },
  {
    name: 'OLARES_REDIS_PASSWORD',
    kind: 'string',
    default: '(unset)',
    description: 'Password of the shared store (token-only AUTH, no user name).',
    group: 'remote',
    secret: true,
  },
  {
    name: 'OLARES_REDIS_PREFIX',
    kind: 'string',
    default: 'olares-mcp:',
    description: 'Prefix of every key this server writes in the shared store (the namespace the box grants).',
    group: 'remote',
  },
  secretKey(
    'OLARES_MCP_TOKEN_KEY',
    'With OLARES_STATE=redis: base64 of the 32-byte key that encrypts token records and pending logins.',
  ),
  secretKey(
    'OLARES_MCP_TOKEN_KEY_PREVIOUS',
    'The token key before a rotation: records it opens are re-encrypted with OLARES_MCP_TOKEN_KEY.',
  ),
  secretKey(
    'OLARES_MCP_STATE_KEY',
    'With OLARES_STATE=redis: base64 of the 32-byte key that signs requestState (confirmations).',
  ),
  secretKey(
    'OLARES_MCP_STATE_KEY_PREVIOUS',
    'The requestState key before a rotation: states it signed still verify until they expire.',
  ),
];

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
  debug: boolean;
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
    debug: /^(1|true|yes|on|debug)$/i.test(raw(env, 'OLARES_MCP_DEBUG') ?? ''),
    state: parseState(env),
  };
}
