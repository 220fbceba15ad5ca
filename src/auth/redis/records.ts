// The smaller things the shared store holds: single-use ids, the profile index and sealed pending
// logins (bindings of bearer principals: bindings.ts).
import { randomInt } from 'node:crypto';
import type { ProfileDocument } from '../config.js';
import type { PendingRecords } from '../fileRecords.js';
import type { SingleUseIds } from '../mrtrState.js';
import { COMPARE_AND_SET, splitVersioned, TAKE } from './scripts.js';
import type { KeyRing } from './seal.js';
import { type StateStore, StateStoreError } from './store.js';

const ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

/** `SET used:<id> 1 NX PX <until expiry>`: the first claim in any replica wins. */
export class RedisSingleUseIds implements SingleUseIds {
  constructor(private readonly store: StateStore) {}

  async claim(id: string, expiresAtMs: number): Promise<boolean> {
    const ttl = Math.ceil(expiresAtMs - Date.now());
    // An expired state cannot verify any more: nothing to remember, nothing to honour.
    if (!ID_PATTERN.test(id) || ttl <= 0) return false;
    const key = this.store.key('used', id);
    return (await this.store.run((r) => r.set(key, '1', 'PX', ttl, 'NX'))) === 'OK';
  }
}

/** The profile index as one versioned JSON value; writers compare-and-set and retry on a conflict. */
export class RedisProfileDocument implements ProfileDocument {
  readonly where: string;

  constructor(private readonly store: StateStore) {
    this.where = `${store.key('profiles')} in the state store at ${store.where}`;
  }

  private async readVersioned() {
    const key = this.store.key('profiles');
    const value = await this.store.run((r) => r.get(key));
    const split = splitVersioned(value);
    if (split.version < 0) throw new StateStoreError(this.store.where, `${key} is not a versioned value`);
    return split;
  }

  async read(): Promise<string | undefined> {
    return (await this.readVersioned()).payload;
  }

  async update(change: (text: string | undefined) => Promise<string>): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const { version, payload } = await this.readVersioned();
      const next = await change(payload);
      const written = await this.store.eval(COMPARE_AND_SET, [this.store.key('profiles')], [version, next]);
      if (Number(written) > 0) return;
      await new Promise((r) => setTimeout(r, 5 + randomInt(20)));
    }
    throw new StateStoreError(this.store.where, 'the profile index kept changing under 50 writes in a row');
  }
}

/**
 * Records sealed with the token key (AAD = their key), with a time to live: pending logins that
 * any replica may finish. `take` reads and deletes in one step, so a record is used once.
 */
export class SealedRecords<T> implements PendingRecords<T> {
  constructor(
    private readonly store: StateStore,
    private readonly ring: KeyRing,
    private readonly kind: string,
  ) {}

  private keyOf(id: string) {
    return this.store.key(this.kind, id);
  }

  async put(id: string, value: T, ttlMs: number): Promise<void> {
    const key = this.keyOf(id);
    const sealed = this.ring.seal(JSON.stringify(value), key);
    await this.store.run((r) => r.set(key, sealed, 'PX', Math.max(1, Math.ceil(ttlMs))));
  }

  async get(id: string): Promise<T | undefined> {
    const key = this.keyOf(id);
    return this.open(key, await this.store.run((r) => r.get(key)));
  }

  async take(id: string): Promise<T | undefined> {
    const key = this.keyOf(id);
    return this.open(key, (await this.store.eval(TAKE, [key], [])) as string | null);
  }

  async delete(id: string): Promise<void> {
    const key = this.keyOf(id);
    await this.store.run((r) => r.del(key));
  }

  /** A record no key opens is treated as absent: a pending login is only worth its link. */
  private open(key: string, sealed: string | null): T | undefined {
    const opened = sealed ? this.ring.open(sealed, key) : undefined;
    return opened ? (JSON.parse(opened.plain) as T) : undefined;
  }
}
