// Bearer tokens already verified, so a client that sends the same token on every call pays for one
// signature check, not one per call (an ES256 verification was a tenth of a call's CPU). Only a
// token that passed every check (signature, issuer, this server's audience, exp, nbf) goes in,
// under a SHA-256 of itself (the cache never holds a usable token), and it is served from here
// only until its `exp`; after that it is verified again, and refused. Entries are keyed by the
// issuer and audience they were verified for too, so even a cache shared between verifiers never
// serves a token to a server it was not issued for.
import { createHash } from 'node:crypto';
import type { VerifiedBearer } from './bearer.js';

/** Most distinct tokens kept (an owner's few agents need a handful); the least recently used go first. */
export const TOKEN_CACHE_ENTRIES = 1024;

export class VerifiedTokenCache {
  private readonly entries = new Map<string, { bearer: VerifiedBearer; untilMs: number }>();

  constructor(
    private readonly maxEntries = TOKEN_CACHE_ENTRIES,
    /** The longest an entry is trusted, whatever its exp: the JWKS refresh period. */
    private readonly maxAgeMs = 10 * 60_000,
  ) {}

  /** The entry for `token` as verified for `issuer` and `audience` (this server's resource). */
  static keyOf(issuer: string, audience: string, token: string): string {
    return createHash('sha256').update(`${issuer}\n${audience}\n${token}`).digest('base64url');
  }

  /** The verified claims of `key`'s token while it has not expired at `nowMs`; else nothing. */
  get(key: string, nowMs: number): VerifiedBearer | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (nowMs >= entry.untilMs) return undefined;
    this.entries.set(key, entry); // most recently used last
    return entry.bearer;
  }

  set(key: string, bearer: VerifiedBearer, nowMs: number): void {
    const untilMs = Math.min(bearer.expiresAt * 1000, nowMs + this.maxAgeMs);
    if (untilMs <= nowMs) return;
    this.entries.delete(key);
    // Frozen: every call that hits the cache shares it.
    Object.freeze(bearer.principal);
    Object.freeze(bearer.scopes);
    this.entries.set(key, { bearer: Object.freeze(bearer), untilMs });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  get size(): number {
    return this.entries.size;
  }
}
