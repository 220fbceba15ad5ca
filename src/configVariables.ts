// The table of every OLARES_* variable: name, kind, default and meaning. README's configuration
// table, server.json and the MCPB manifest are generated from it (scripts/docs.ts); config.ts
// parses each one strictly.

export type Kind = 'boolean' | 'string' | 'integer' | 'enum' | 'list' | 'url';

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
    name: 'OLARES_MCP_RATE_PER_SECOND',
    kind: 'integer',
    default: '20',
    description:
      'Remote mode: requests a second each principal may make to one replica (also the burst); more get 429 with Retry-After.',
    group: 'tuning',
  },
  {
    name: 'OLARES_MCP_ISSUER',
    kind: 'url',
    default: '(unset): no issuer; remote mode then needs --token-file or, on loopback, --no-auth',
    description:
      'Remote mode (serve --http): the OAuth authorization server whose JWTs are accepted; its metadata and JWKS are fetched from it. https, or http on loopback only.',
    group: 'remote',
  },
  {
    name: 'OLARES_MCP_RESOURCE',
    kind: 'url',
    default: '(unset): required when serve --http listens off loopback',
    description:
      "Remote mode: the endpoint's public URL (e.g. https://mcp.alice.olares.com/mcp), the audience tokens must carry (RFC 8707) and the resource in the protected-resource metadata. No trailing slash, query or fragment.",
    group: 'remote',
  },
  {
    name: 'OLARES_MCP_CONNECT_URL',
    kind: 'url',
    default:
      '(unset): on loopback the --connect-port listener itself; off loopback profile_login has no link',
    description:
      "Remote mode: the origin where the connect page (serve --http --connect-port) is reached, e.g. https://connect.alice.olares.com (the box's private entrance); profile_login hands out <this>/connect/<id>. Scheme and host only.",
    group: 'remote',
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
