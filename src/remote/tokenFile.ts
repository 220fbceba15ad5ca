// The single-user alternative to an issuer: one static bearer secret read from a file
// (`serve --http --token-file F`). The file is the credential, so it must be ours and private,
// exactly as ssh treats a private key; it is read once at start, through O_NOFOLLOW so a symlink
// planted at that name cannot substitute another file.
import { createHash, timingSafeEqual } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { BearerVerifier, Principal } from './bearer.js';
import { requireToken } from './bearer.js';
import { BearerRejectedError, TokenFileError } from './errors.js';
import { SCOPES } from './scopes.js';

export const TOKEN_FILE_PRINCIPAL: Principal = { iss: 'token-file', sub: 'owner' };

/** Short enough to guess is short enough to refuse: 32 characters, as `openssl rand -base64 32` gives 44. */
const MIN_SECRET_LENGTH = 32;
/** The static secret never expires; each verification reports a short validity like a fresh JWT. */
const REPORTED_LIFETIME_S = 300;
const MAKE_ONE = 'umask 077 && openssl rand -base64 32 > FILE';

const digest = (s: string) => createHash('sha256').update(s).digest();

async function readPrivateFile(path: string): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new TokenFileError(path, 'is a symbolic link', 'name the file itself');
    throw new TokenFileError(path, `cannot be opened (${code})`, `create it: ${MAKE_ONE}`);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new TokenFileError(path, 'is not a regular file', `create it: ${MAKE_ONE}`);
    if (typeof process.getuid === 'function' && st.uid !== process.getuid())
      throw new TokenFileError(
        path,
        `belongs to uid ${st.uid}, not to this server's user`,
        `chown it to uid ${process.getuid()}`,
      );
    if ((st.mode & 0o077) !== 0)
      throw new TokenFileError(
        path,
        `has mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}; others may read it`,
        `chmod 600 ${path}`,
      );
    return (await handle.readFile('utf8')).trim();
  } finally {
    await handle.close();
  }
}

/** Reads and vets the secret; throws TokenFileError, so the server does not start with a weak one. */
export async function tokenFileVerifier(path: string): Promise<BearerVerifier> {
  const secret = await readPrivateFile(path);
  if (secret.length < MIN_SECRET_LENGTH || /\s/.test(secret))
    throw new TokenFileError(
      path,
      `holds ${/\s/.test(secret) ? 'a value with spaces' : `only ${secret.length} characters`}; a bearer secret is one word of at least ${MIN_SECRET_LENGTH}`,
      `replace it: ${MAKE_ONE}`,
    );
  const expected = digest(secret);
  return {
    async verify(authorization) {
      const token = requireToken(authorization);
      // Equal-length digests: the comparison time says nothing about the secret or its length.
      if (!timingSafeEqual(digest(token), expected))
        throw new BearerRejectedError('it is not the configured token', true);
      return {
        principal: TOKEN_FILE_PRINCIPAL,
        scopes: [SCOPES.read, SCOPES.write],
        expiresAt: Math.floor(Date.now() / 1000) + REPORTED_LIFETIME_S,
      };
    },
  };
}
