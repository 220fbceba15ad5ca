// One interface, two backends: the OS keychain and an AES-256-GCM file store.
import type { TokenBackend } from './config.js';
import { TokenStoreError } from './errors.js';

/** The per-identity record (docs/refresh.md#token-record). Expiry always comes from the JWT. */
export interface TokenRecord {
  olaresId: string;
  accessToken: string;
  refreshToken?: string;
  sessionId?: string;
  /** Unix ms of the last successful write. */
  grantedAt?: number;
  /** Unix ms when /api/refresh rejected the grant; absent = valid. */
  invalidatedAt?: number;
}

export interface TokenStore {
  readonly backend: TokenBackend;
  get(olaresId: string): Promise<TokenRecord | null>;
  /** Writes a fresh grant: grantedAt = now, invalidatedAt cleared. */
  set(record: Omit<TokenRecord, 'grantedAt' | 'invalidatedAt'>): Promise<void>;
  markInvalidated(olaresId: string, at: number): Promise<void>;
  /** true when something was deleted. */
  delete(olaresId: string): Promise<boolean>;
}

/** The write rules both backends share: a new grant clears invalidation; a stamp keeps the rest. */
export abstract class RecordStore implements TokenStore {
  abstract readonly backend: TokenBackend;
  abstract get(olaresId: string): Promise<TokenRecord | null>;
  abstract delete(olaresId: string): Promise<boolean>;
  protected abstract write(record: TokenRecord): Promise<void>;

  async set(record: Omit<TokenRecord, 'grantedAt' | 'invalidatedAt'>) {
    await this.write({ ...record, grantedAt: Date.now() });
  }

  async markInvalidated(olaresId: string, at: number) {
    const current = await this.get(olaresId);
    if (current) await this.write({ ...current, invalidatedAt: at });
  }
}

export function encodeRecord(record: TokenRecord): string {
  return JSON.stringify(record);
}

/** Parses a stored record, keeping the olaresId written inside it (which callers must compare). */
export function decodeRecord(text: string): TokenRecord | undefined {
  try {
    const r = JSON.parse(text);
    if (!r || typeof r !== 'object' || typeof r.accessToken !== 'string') return undefined;
    return r;
  } catch {
    return undefined;
  }
}

/** A record stored under one identity that names another: someone copied it there (L6). */
export function identityMismatch(where: string, stored: unknown, wanted: string): TokenStoreError {
  return new TokenStoreError(
    `the stored token at ${where} was written for ${typeof stored === 'string' && stored ? stored : 'no identity'}, not ${wanted}; it was refused and left in place. Fix: restore the right one, or profile_remove {name: "${wanted}"} then log in again`,
    'token_identity_mismatch',
  );
}
