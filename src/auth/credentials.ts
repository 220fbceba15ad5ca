// Where a call's access token comes from: the env provider (CI) or the token store, and how it
// is renewed. Only transport (above) and auth use these.
import type { AuthCallOptions } from './authApi.js';
import { refreshGrant } from './authApi.js';
import { NotLoggedInError, RefreshRejectedError, TokenInvalidatedError } from './errors.js';
import { isExpiring } from './jwt.js';
import type { Refresher } from './refresher.js';
import type { TokenStore } from './tokenStore.js';

export type CredentialSource = 'env' | 'keychain' | 'file' | 'redis';

export interface Credentials {
  readonly olaresId: string;
  readonly source: CredentialSource;
  /** The token to send now; fails fast (no network) when not logged in or invalidated. */
  accessToken(): Promise<string>;
  /** A token newer than `stale` (which the server refused or which is about to expire). */
  refresh(stale: string): Promise<string>;
  /** The server answered the first request that carried `token` (refused: it asked for a refresh). */
  answered(token: string, refused: boolean): void;
}

export class StoredCredentials implements Credentials {
  constructor(
    readonly olaresId: string,
    private readonly store: TokenStore,
    private readonly refresher: Refresher,
    private readonly auth: AuthCallOptions,
  ) {}

  get source(): CredentialSource {
    return this.store.backend;
  }

  async accessToken() {
    const record = await this.store.get(this.olaresId);
    if (!record || (!record.accessToken && !record.refreshToken)) throw new NotLoggedInError(this.olaresId);
    if (record.invalidatedAt) throw new TokenInvalidatedError(this.olaresId, record.invalidatedAt);
    const token = record.accessToken;
    if (!token || !isExpiring(token, 0)) return token;
    const held = this.refresher.holdBehindProbe(this.olaresId, token);
    if (!held) return token;
    return (await held) ? this.refresh(token) : token;
  }

  refresh(stale: string) {
    return this.refresher.refresh(this.store, this.olaresId, stale, this.auth);
  }

  answered(token: string, refused: boolean) {
    this.refresher.answered(this.olaresId, token, refused);
  }
}

/** OLARES_ID + OLARES_ACCESS_TOKEN / OLARES_REFRESH_TOKEN: used before the store, never written to it. */
export class EnvCredentials implements Credentials {
  readonly source = 'env' as const;
  private access?: string;
  private refreshToken?: string;
  private invalidatedAt?: number;
  private inflight?: Promise<string>;

  constructor(
    readonly olaresId: string,
    env: NodeJS.ProcessEnv,
    private readonly auth: AuthCallOptions,
  ) {
    this.access = env.OLARES_ACCESS_TOKEN?.trim() || undefined;
    this.refreshToken = env.OLARES_REFRESH_TOKEN?.trim() || undefined;
  }

  async accessToken() {
    if (this.invalidatedAt) throw new TokenInvalidatedError(this.olaresId, this.invalidatedAt);
    if (this.access) return this.access;
    if (this.refreshToken) return this.refresh('');
    throw new NotLoggedInError(this.olaresId);
  }

  answered() {}

  refresh(stale: string): Promise<string> {
    if (this.access && this.access !== stale) return Promise.resolve(this.access);
    this.inflight ??= this.run().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async run() {
    if (this.invalidatedAt) throw new TokenInvalidatedError(this.olaresId, this.invalidatedAt);
    if (!this.refreshToken) throw new NotLoggedInError(this.olaresId);
    try {
      const grant = await refreshGrant(
        { refreshToken: this.refreshToken, accessToken: this.access },
        this.auth,
      );
      this.access = grant.accessToken;
      this.refreshToken = grant.refreshToken;
      return grant.accessToken;
    } catch (err) {
      if (err instanceof RefreshRejectedError) {
        this.invalidatedAt = Date.now();
        throw new TokenInvalidatedError(this.olaresId, this.invalidatedAt);
      }
      throw err;
    }
  }
}
