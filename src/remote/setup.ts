// Which authorization `serve --http` runs with, decided once at start from the trusted side (the
// environment and the command line), failing closed: off loopback the endpoint needs its public
// URL and a way to verify tokens; serving without authorization needs an explicit --no-auth and
// a loopback address.
import { isLoopbackHost } from '../config.js';
import { type BearerVerifier, jwtVerifier } from './bearer.js';
import { RemoteSetupError } from './errors.js';
import { SCOPES } from './scopes.js';
import { tokenFileVerifier } from './tokenFile.js';

export interface ServeAuthInput {
  /** --host */
  listenHost: string;
  /** --port (the one actually bound, when 0 was asked for) */
  port: number;
  /** --path */
  path: string;
  /** OLARES_MCP_RESOURCE */
  resource?: string;
  /** OLARES_MCP_ISSUER */
  issuer?: string;
  /** --token-file */
  tokenFile?: string;
  /** --no-auth */
  noAuth: boolean;
}

export type ServeAuth =
  | { kind: 'issuer'; issuer: string; resource: string }
  | { kind: 'token-file'; path: string; resource: string }
  | { kind: 'none'; resource: string };

const HOW = 'set OLARES_MCP_ISSUER (an OAuth authorization server) or pass --token-file F';

const onLoopback = (host: string) =>
  isLoopbackHost(host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

/** The resource: as configured, or on loopback the local URL of the endpoint. */
function resourceOf(input: ServeAuthInput, loopback: boolean): string {
  if (input.resource) return input.resource;
  if (!loopback)
    throw new RemoteSetupError(
      `listening on ${input.listenHost} needs the endpoint's public URL`,
      'set OLARES_MCP_RESOURCE (e.g. https://mcp.alice.olares.com/mcp)',
    );
  const host = input.listenHost.includes(':')
    ? `[${input.listenHost.replace(/^\[|\]$/g, '')}]`
    : input.listenHost;
  return `http://${host}:${input.port}${input.path === '/' ? '' : input.path}`;
}

export function chooseServeAuth(input: ServeAuthInput): ServeAuth {
  const loopback = onLoopback(input.listenHost);
  const ways = [
    input.issuer && 'OLARES_MCP_ISSUER',
    input.tokenFile && '--token-file',
    input.noAuth && '--no-auth',
  ];
  const chosen = ways.filter((w): w is string => !!w);
  if (chosen.length > 1)
    throw new RemoteSetupError(
      `${chosen.join(' and ')} were both given`,
      'choose one way to authorize callers',
    );
  if (input.noAuth && !loopback)
    throw new RemoteSetupError(
      `--no-auth on ${input.listenHost} would let anyone who reaches it act as the owner`,
      `listen on 127.0.0.1, or drop --no-auth and ${HOW}`,
    );
  const resource = resourceOf(input, loopback);
  if (input.issuer) return { kind: 'issuer', issuer: input.issuer, resource };
  if (input.tokenFile) return { kind: 'token-file', path: input.tokenFile, resource };
  if (input.noAuth) return { kind: 'none', resource };
  throw new RemoteSetupError(
    'no way to authorize callers was given',
    `${HOW}; on loopback, --no-auth serves without authorization`,
  );
}

/** The caller of a --no-auth endpoint: whoever can reach loopback, which is the owner's machine. */
export const NO_AUTH_PRINCIPAL = { iss: 'no-auth', sub: 'owner' } as const;
const NO_AUTH_LIFETIME_S = 300;

/** The verifier for the chosen authorization (the token file is read and vetted here, at start). */
export async function verifierFor(auth: ServeAuth): Promise<BearerVerifier> {
  if (auth.kind === 'issuer') return jwtVerifier({ issuer: auth.issuer, resource: auth.resource });
  if (auth.kind === 'token-file') return tokenFileVerifier(auth.path);
  return {
    async verify() {
      return {
        principal: { ...NO_AUTH_PRINCIPAL },
        scopes: [SCOPES.read, SCOPES.write],
        expiresAt: Math.floor(Date.now() / 1000) + NO_AUTH_LIFETIME_S,
      };
    },
  };
}
