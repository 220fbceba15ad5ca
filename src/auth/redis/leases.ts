// The refresh lease in the shared store: `SET lease <owner> NX PX ttl`, renewed by its holder
// every third of the ttl (compare-and-renew), released by compare-and-delete. Waiters poll the
// token record (the refresher does): the store offers no notifications between apps.
import { randomUUID } from 'node:crypto';
import type { NewGrant, RefreshLease, RefreshLeases } from '../refreshLease.js';
import type { TokenRecord, TokenStore } from '../tokenStore.js';
import { RELEASE_LEASE, RENEW_LEASE } from './scripts.js';
import type { StateStore } from './store.js';
import { type FencedWrite, RedisTokenStore } from './tokens.js';

export class RedisRefreshLeases implements RefreshLeases {
  constructor(
    private readonly store: StateStore,
    private readonly ttlMs: number,
  ) {}

  async tryAcquire(olaresId: string): Promise<RefreshLease | undefined> {
    const key = this.store.key('lease', olaresId);
    const owner = randomUUID();
    const takenAt = Date.now();
    const answer = await this.store.run((r) => r.set(key, owner, 'PX', this.ttlMs, 'NX'));
    return answer === 'OK' ? new HeldLease(this.store, key, owner, this.ttlMs, takenAt) : undefined;
  }
}

class HeldLease implements RefreshLease {
  private lost = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: StateStore,
    readonly key: string,
    readonly owner: string,
    private readonly ttlMs: number,
    /** When the latest successful (re)new was sent: the lease is ours until ttl after it. */
    private renewedAt: number,
  ) {
    this.timer = setInterval(() => void this.renew(), Math.max(100, ttlMs / 3));
    this.timer.unref();
  }

  get held(): boolean {
    return !this.lost && Date.now() - this.renewedAt < this.ttlMs;
  }

  private async renew() {
    const sentAt = Date.now();
    try {
      const renewed = await this.store.eval(RENEW_LEASE, [this.key], [this.owner, this.ttlMs]);
      if (Number(renewed) === 1) this.renewedAt = sentAt;
      else this.lost = true;
    } catch {
      // Unreachable store: `held` turns false by itself once the ttl has passed.
    }
  }

  private tokens(store: TokenStore): RedisTokenStore {
    if (store instanceof RedisTokenStore) return store;
    throw new Error(`a shared-store lease cannot fence writes to the ${store.backend} token store`);
  }

  async commit(store: TokenStore, read: TokenRecord, next: NewGrant): Promise<boolean> {
    if (!this.held) return false;
    return this.settle(await this.tokens(store).writeLeased(this, read, next));
  }

  async invalidate(store: TokenStore, read: TokenRecord, at: number): Promise<boolean> {
    if (!this.held) return false;
    return this.settle(await this.tokens(store).invalidateLeased(this, read, at));
  }

  /** A conflict means someone wrote the record under a lease of theirs: ours is as good as lost. */
  private settle(outcome: FencedWrite): boolean {
    if (outcome !== 'written') this.lost = true;
    return outcome === 'written';
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    this.lost = true;
    await this.store.eval(RELEASE_LEASE, [this.key], [this.owner]).catch(() => {});
  }
}
