// The refresher's in-process mechanisms, each pinned on its own (the cross-process lock and the
// store re-read under it are in refresh-multiprocess.test.ts): concurrent callers in one process
// share one refresh, and a caller waiting for another process's lock picks up the token that
// process stores, without waiting for the lock to be released.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, type HeldLock } from '../src/auth/lock.js';
import { Refresher } from '../src/auth/refresher.js';
import type { TokenRecord, TokenStore } from '../src/auth/tokenStore.js';
import { eventually } from './helpers/wait.js';

const ID = 'bob@olares.com';
/** No refresh may reach the network in these tests: this address refuses at once. */
const NO_AUTH_HOST = { authUrl: 'http://127.0.0.1:9', timeoutMs: 500 };

/** An in-memory store that counts reads, so a test can act between a waiter's polls. */
class CountingStore implements TokenStore {
  readonly backend = 'file' as const;
  reads = 0;
  constructor(private record: TokenRecord) {}
  async get() {
    this.reads++;
    return { ...this.record };
  }
  async set(record: Omit<TokenRecord, 'grantedAt' | 'invalidatedAt'>) {
    this.record = { ...record, grantedAt: Date.now() };
  }
  async markInvalidated(_id: string, at: number) {
    this.record = { ...this.record, invalidatedAt: at };
  }
  async delete() {
    return true;
  }
}

describe('refresher', () => {
  let home: string;
  let locks: string;
  let held: HeldLock | undefined;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'olares-mcp-refresher-'));
    locks = join(home, 'locks');
    await mkdir(locks, { mode: 0o700 });
    // Another process is refreshing: it holds the lock for the whole test.
    held = await acquireLock(locks, `${ID}.refresh`, 'refresh', { staleMs: 30_000, waitMs: 0 });
  });
  afterEach(async () => {
    await held?.release();
    await rm(home, { recursive: true, force: true });
  });

  it('a waiter polls the store while another process holds the lock, and takes its token', async () => {
    const store = new CountingStore({ olaresId: ID, accessToken: 'stale', refreshToken: 'rt' });
    const refresher = new Refresher(locks, { staleMs: 30_000, waitMs: 3_000 });
    const started = Date.now();
    const result = refresher.refresh(store, ID, 'stale', NO_AUTH_HOST);
    // The first read is the check before the lock; a second one is a read while waiting for it.
    await eventually(() => store.reads >= 2, 'the waiter to re-read the store');
    await store.set({ olaresId: ID, accessToken: 'fresh-from-the-other-process', refreshToken: 'rt2' });
    await expect(result).resolves.toBe('fresh-from-the-other-process');
    expect(refresher.refreshCount).toBe(0);
    // Picked up while the lock was still held, not after the 3 s wait ran out.
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('concurrent callers in one process share one refresh for the same stale token', async () => {
    const store = new CountingStore({ olaresId: ID, accessToken: 'stale', refreshToken: 'rt' });
    const refresher = new Refresher(locks, { staleMs: 30_000, waitMs: 3_000 });
    const calls = Array.from({ length: 5 }, () => refresher.refresh(store, ID, 'stale', NO_AUTH_HOST));
    expect(new Set(calls).size).toBe(1);
    // A different stale token is a different refresh (and the stored one is newer than it).
    const other = refresher.refresh(store, ID, 'older', NO_AUTH_HOST);
    expect(calls).not.toContain(other);
    await expect(other).resolves.toBe('stale');
    await eventually(() => store.reads >= 3, 'the waiters to re-read the store');
    await store.set({ olaresId: ID, accessToken: 'fresh', refreshToken: 'rt2' });
    expect(await Promise.all(calls)).toEqual(Array(5).fill('fresh'));
    expect(refresher.refreshCount).toBe(0);
  });
});
