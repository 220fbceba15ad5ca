// Who may refresh an identity's token right now. The file home uses a proper-lockfile lock under
// <home>/locks; the shared store (OLARES_STATE=redis) a lease with a fenced write. Either way the
// refresher asks for the lease without waiting, writes the new grant only through it, and treats
// a lease it lost as "someone else's result wins".
import { acquireLock, LockTimeoutError } from './lock.js';
import type { TokenRecord, TokenStore } from './tokenStore.js';

export type NewGrant = Omit<TokenRecord, 'grantedAt' | 'invalidatedAt'>;

export interface RefreshLease {
  /** False once the lease may belong to someone else (expired, taken over, renewal failed). */
  readonly held: boolean;
  /**
   * Writes `next` only while the lease is still ours and the stored record is still `read`;
   * false means nothing was written (the result must be discarded).
   */
  commit(store: TokenStore, read: TokenRecord, next: NewGrant): Promise<boolean>;
  /** Stamps invalidatedAt under the same conditions as commit. */
  invalidate(store: TokenStore, read: TokenRecord, at: number): Promise<boolean>;
  release(): Promise<void>;
}

export interface RefreshLeases {
  /** The lease for olaresId, or undefined when another holder has it (never waits). */
  tryAcquire(olaresId: string): Promise<RefreshLease | undefined>;
}

/** The file home's leases: one lock directory per identity, touched while held. */
export class FileRefreshLeases implements RefreshLeases {
  constructor(
    private readonly locksDir: string,
    private readonly staleMs: number,
  ) {}

  async tryAcquire(olaresId: string): Promise<RefreshLease | undefined> {
    try {
      const lock = await acquireLock(this.locksDir, `${olaresId}.refresh`, 'refresh', {
        staleMs: this.staleMs,
        waitMs: 0,
      });
      return {
        get held() {
          return !lock.compromised;
        },
        // Only this process's writers race the file record, and they hold the lock too.
        async commit(store, _read, next) {
          if (lock.compromised) return false;
          await store.set(next);
          return true;
        },
        async invalidate(store, read, at) {
          if (lock.compromised) return false;
          await store.markInvalidated(read.olaresId, at);
          return true;
        },
        release: () => lock.release(),
      };
    } catch (err) {
      if (err instanceof LockTimeoutError) return undefined;
      throw err;
    }
  }
}
