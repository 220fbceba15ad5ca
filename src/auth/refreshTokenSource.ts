// Where profile_import and `olares-mcp import` find a refresh token: the OLARES_REFRESH_TOKEN
// variable of this process or a file holding one token. The value never travels as an argument.
// A tool argument may come from a prompt-injected agent, so for tools the file must lie in the
// local roots, and every file problem gets the same answer: the error must not tell the agent
// whether a file exists, how big it is or how many lines it has (audits C1, L8).
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { InvalidInputError } from '../errors.js';
import { parseOlaresId } from './identity.js';

export interface RefreshTokenSource {
  refreshTokenEnv?: string;
  refreshTokenFile?: string;
}

export interface TokenReadPolicy {
  /** Directories a token file must lie in; undefined for the terminal (the person typed the path). */
  roots?: string[];
  /** OLARES_READ_ONLY: only the env source. */
  envOnly?: boolean;
}

export const REFRESH_TOKEN_ENV = 'OLARES_REFRESH_TOKEN';
const MAX_TOKEN_BYTES = 4096;
const TOKEN_SHAPE = /^[A-Za-z0-9._~+/=-]+$/;
const SYSTEM_TREES = ['/proc', '/sys', '/dev'];

const unusableFile = (confined: boolean) =>
  new InvalidInputError(
    confined
      ? `refreshTokenFile cannot be used. It must be an absolute path to a regular file (not a symlink, not under /proc, /sys or /dev) inside the allowed local roots, readable by the server, holding one refresh token on one line (at most 4 KiB of letters, digits and . _ ~ + / = -). Fix: ask the user to save the token to such a file, or to set ${REFRESH_TOKEN_ENV} in the server's environment and pass refreshTokenEnv: "${REFRESH_TOKEN_ENV}"`
      : 'the refresh token file cannot be used: it must be a readable regular file holding one refresh token on one line (at most 4 KiB of letters, digits and . _ ~ + / = -)',
  );

/** A token's shape, checked before anything is sent: one line, token characters, at most 4 KiB. */
export function isTokenShaped(value: string): boolean {
  return value.length > 0 && Buffer.byteLength(value) <= MAX_TOKEN_BYTES && TOKEN_SHAPE.test(value);
}

/** Reads the refresh token from where the user put it; never from an argument value. */
export async function readRefreshToken(
  olaresId: string,
  args: RefreshTokenSource,
  env: NodeJS.ProcessEnv,
  policy: TokenReadPolicy = {},
): Promise<string> {
  if (Boolean(args.refreshTokenEnv) === Boolean(args.refreshTokenFile)) {
    throw new InvalidInputError(
      `profile_import needs exactly one of refreshTokenEnv ("${REFRESH_TOKEN_ENV}") or refreshTokenFile (path of a file holding the token)`,
    );
  }
  if (args.refreshTokenEnv) return readEnvToken(olaresId, args.refreshTokenEnv, env);
  if (policy.envOnly)
    throw new InvalidInputError(
      `OLARES_READ_ONLY is on: profile_import reads only refreshTokenEnv: "${REFRESH_TOKEN_ENV}", not a file. Fix: the user sets ${REFRESH_TOKEN_ENV} in the server's environment, or runs in a terminal: olares-mcp import --olares-id ${olaresId} --refresh-token-file <path>`,
    );
  return readFileToken(args.refreshTokenFile!, policy.roots);
}

function readEnvToken(olaresId: string, rawName: string, env: NodeJS.ProcessEnv): string {
  const name = rawName.trim();
  if (name !== REFRESH_TOKEN_ENV) {
    throw new InvalidInputError(
      `refreshTokenEnv may only name ${REFRESH_TOKEN_ENV} (got "${name.slice(0, 64)}"). Fix: the user exports the token as ${REFRESH_TOKEN_ENV} in the server's environment`,
    );
  }
  const envId = env.OLARES_ID?.trim();
  if (envId && parseOlaresId(envId).olaresId !== olaresId) {
    throw new InvalidInputError(
      `${REFRESH_TOKEN_ENV} belongs to OLARES_ID ${parseOlaresId(envId).olaresId}, so it may be imported only for that olaresId, not for ${olaresId}`,
    );
  }
  const value = env[name]?.trim();
  if (!value)
    throw new InvalidInputError(
      `the environment variable ${name} is not set (or empty) in the olares-mcp server's environment. Fix: set it in the MCP client's server config (env) and restart the server, or use refreshTokenFile`,
    );
  if (!isTokenShaped(value))
    throw new InvalidInputError(
      `${name} does not hold a refresh token (one line, at most 4 KiB of letters, digits and . _ ~ + / = -); nothing was sent`,
    );
  return value;
}

function inside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

const inSystemTree = (p: string) => SYSTEM_TREES.some((t) => p === t || p.startsWith(`${t}/`));

/** The real path the file would be opened at, when it is allowed; undefined otherwise. */
async function confinedPath(raw: string, roots: string[]): Promise<string | undefined> {
  if (!isAbsolute(raw) || raw.includes('\0') || inSystemTree(resolve(raw))) return undefined;
  const parent = await realpath(dirname(resolve(raw))).catch(() => undefined);
  if (!parent) return undefined;
  const path = join(parent, basename(raw));
  if (inSystemTree(path)) return undefined;
  const realRoots = await Promise.all(roots.map((r) => realpath(resolve(r)).catch(() => undefined)));
  return realRoots.some((r) => r !== undefined && inside(r, path)) ? path : undefined;
}

async function readFileToken(raw: string, roots: string[] | undefined): Promise<string> {
  const confined = roots !== undefined;
  const fail = () => unusableFile(confined);
  const path = confined ? await confinedPath(raw, roots) : resolve(raw);
  if (!path) throw fail();
  // O_NOFOLLOW: a symlink at the final name is refused, not followed; O_NONBLOCK: a FIFO cannot hang us.
  const flags =
    constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (confined ? (constants.O_NOFOLLOW ?? 0) : 0);
  const handle = await open(path, flags).catch(() => undefined);
  if (!handle) throw fail();
  try {
    const st = await handle.stat();
    if (!st.isFile() || (confined && st.nlink > 1)) throw fail();
    const buf = Buffer.alloc(MAX_TOKEN_BYTES + 3);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0).catch(() => ({ bytesRead: -1 }));
    if (bytesRead < 0 || bytesRead === buf.length) throw fail();
    const token = buf.subarray(0, bytesRead).toString('latin1').trim();
    if (!isTokenShaped(token)) throw fail();
    return token;
  } finally {
    await handle.close();
  }
}
