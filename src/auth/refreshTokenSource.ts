// Where profile_import and `olares-mcp import` find a refresh token: an OLARES_* variable of this
// process or a file holding one token. The value never travels as an argument.
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { InvalidInputError } from '../errors.js';

export interface RefreshTokenSource {
  refreshTokenEnv?: string;
  refreshTokenFile?: string;
}

const MAX_TOKEN_FILE = 8 * 1024;

/** Reads the refresh token from where the user put it; never from an argument value. */
export async function readRefreshToken(args: RefreshTokenSource, env: NodeJS.ProcessEnv): Promise<string> {
  if (Boolean(args.refreshTokenEnv) === Boolean(args.refreshTokenFile)) {
    throw new InvalidInputError(
      'profile_import needs exactly one of refreshTokenEnv (name of an OLARES_* environment variable) or refreshTokenFile (path of a file holding the token)',
    );
  }
  if (args.refreshTokenEnv) {
    const name = args.refreshTokenEnv.trim();
    if (!/^OLARES_[A-Z0-9_]+$/.test(name)) {
      throw new InvalidInputError(
        `refreshTokenEnv must name an environment variable starting with OLARES_ (got "${name.slice(0, 64)}"). Fix: export the token as e.g. OLARES_REFRESH_TOKEN in the server's environment and pass that name`,
      );
    }
    const value = env[name]?.trim();
    if (!value)
      throw new InvalidInputError(
        `the environment variable ${name} is not set (or empty) in the olares-mcp server's environment. Fix: set it in the MCP client's server config (env) and restart the server, or use refreshTokenFile`,
      );
    return value;
  }
  const path = isAbsolute(args.refreshTokenFile!) ? args.refreshTokenFile! : resolve(args.refreshTokenFile!);
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new InvalidInputError(`refreshTokenFile ${path} is not a regular file`);
    size = st.size;
  } catch (err) {
    if (err instanceof InvalidInputError) throw err;
    throw new InvalidInputError(
      `cannot read refreshTokenFile ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'}). Fix: check the path and that this user may read it`,
    );
  }
  if (size >= MAX_TOKEN_FILE)
    throw new InvalidInputError(
      `refreshTokenFile ${path} is ${size} bytes; a refresh token file must hold one token under 8 KiB`,
    );
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InvalidInputError(
      `cannot read refreshTokenFile ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'}). Fix: check the path and that this user may read it`,
    );
  }
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length !== 1)
    throw new InvalidInputError(
      `refreshTokenFile ${path} must hold exactly one token on a single line (found ${lines.length} non-empty lines)`,
    );
  if (/\s/.test(lines[0]))
    throw new InvalidInputError(`refreshTokenFile ${path} does not look like a token (it contains spaces)`);
  return lines[0];
}
