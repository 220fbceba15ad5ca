// Only `exp` is read, never verified (docs/wire/auth.md#jwt). Decoded by hand: three
// base64url segments, JSON payload; no JWT library on the server's start-up path.

export type Expiry = { kind: 'exp'; exp: number } | { kind: 'no-exp' } | { kind: 'invalid'; reason: string };

// Every call asks about the token it sends; it changes about once an hour.
let lastDecoded: { token: string; expiry: Expiry } | undefined;

export function tokenExpiry(token: string | undefined): Expiry {
  if (!token) return { kind: 'invalid', reason: 'token is empty' };
  if (lastDecoded?.token === token) return lastDecoded.expiry;
  const expiry = decodeExpiry(token);
  lastDecoded = { token, expiry };
  return expiry;
}

function decodeExpiry(token: string): Expiry {
  const parts = token.split('.');
  if (parts.length !== 3)
    return {
      kind: 'invalid',
      reason: `token does not look like a JWT (want 3 segments, got ${parts.length})`,
    };
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch (err) {
    return { kind: 'invalid', reason: `token payload is not JSON (${(err as Error).message})` };
  }
  const exp = (payload as { exp?: unknown } | null)?.exp;
  return typeof exp === 'number' && exp > 0 ? { kind: 'exp', exp } : { kind: 'no-exp' };
}

/** `now + skew >= exp`. Tokens without exp are trusted until the server says no. */
export function isExpiring(token: string, skewSec: number, nowMs = Date.now()): boolean {
  const e = tokenExpiry(token);
  return e.kind === 'exp' && nowMs / 1000 + skewSec >= e.exp;
}

/** `23h59m`, `12m34s`, `5s`: olares-cli's duration style. */
export function formatRemaining(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h${m}m`;
  if (m > 0) return `${m}m${s % 60}s`;
  return `${s}s`;
}
