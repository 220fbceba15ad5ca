// Token records in the shared store: "<version>.<sealed record>" under <prefix>token:<olaresId>,
// sealed with OLARES_MCP_TOKEN_KEY and the olaresId as additional data. The version is the fence
// the refresh lease writes against; a record still sealed under the previous key is rewritten
// under the current one the first time it is read (only if nobody wrote it meanwhile).
import { log } from '../../log.js';
import { TokenStoreError } from '../errors.js';
import type { NewGrant } from '../refreshLease.js';
import {
  decodeRecord,
  encodeRecord,
  identityMismatch,
  RecordStore,
  type TokenRecord,
} from '../tokenStore.js';
import { COMPARE_AND_SET, splitVersioned, WRITE_NEXT } from './scripts.js';
import type { KeyRing } from './seal.js';
import type { StateStore } from './store.js';

/** What a fenced write reports: written, someone wrote first, or the lease is not ours. */
export type FencedWrite = 'written' | 'conflict' | 'lease-lost';

export class RedisTokenStore extends RecordStore {
  readonly backend = 'redis' as const;
  /** The version each record handed out was read at: the fence its rewrite is checked against. */
  private readonly versions = new WeakMap<TokenRecord, number>();

  constructor(
    private readonly store: StateStore,
    private readonly ring: KeyRing,
  ) {
    super();
  }

  private keyOf(olaresId: string) {
    return this.store.key('token', olaresId);
  }

  async get(olaresId: string): Promise<TokenRecord | null> {
    const key = this.keyOf(olaresId);
    const { version, payload } = splitVersioned(await this.store.run((r) => r.get(key)));
    if (version === 0) return null;
    const opened = payload === undefined ? undefined : this.ring.open(payload, olaresId);
    const record = opened && decodeRecord(opened.plain);
    if (!record) throw this.corrupt(olaresId, key);
    if (record.olaresId !== olaresId) throw identityMismatch(key, record.olaresId, olaresId);
    let at = version;
    if (opened.stale) at = await this.reseal(record, version);
    this.versions.set(record, at);
    return record;
  }

  /** Rewrites a record opened with the previous key under the current one; keeps serving it if that fails. */
  private async reseal(record: TokenRecord, version: number): Promise<number> {
    const outcome = await this.fenced(record, version, record).catch((err: Error) => {
      log.warn(`could not re-encrypt the token record of ${record.olaresId}: ${err.message}`);
      return 'conflict' as const;
    });
    return outcome === 'written' ? version + 1 : version;
  }

  protected async write(record: TokenRecord) {
    await this.store.eval(WRITE_NEXT, [this.keyOf(record.olaresId)], [this.seal(record)]);
  }

  /** A stamp goes only on the record that was read: a newer grant written meanwhile wins. */
  override async markInvalidated(olaresId: string, at: number) {
    const current = await this.get(olaresId);
    if (current) await this.fenced(current, this.versionOf(current), { ...current, invalidatedAt: at });
  }

  /** The refresh lease's write: one script checks the lease and the version, then writes. */
  writeLeased(
    lease: { key: string; owner: string },
    read: TokenRecord,
    next: NewGrant,
  ): Promise<FencedWrite> {
    return this.fenced(read, this.versionOf(read), { ...next, grantedAt: Date.now() }, lease);
  }

  invalidateLeased(
    lease: { key: string; owner: string },
    read: TokenRecord,
    at: number,
  ): Promise<FencedWrite> {
    return this.fenced(read, this.versionOf(read), { ...read, invalidatedAt: at }, lease);
  }

  private versionOf(read: TokenRecord): number {
    const version = this.versions.get(read);
    if (version === undefined) throw new Error('a fenced write needs a record read from this store');
    return version;
  }

  private async fenced(
    read: TokenRecord,
    version: number,
    next: TokenRecord,
    lease?: { key: string; owner: string },
  ): Promise<FencedWrite> {
    const keys = [this.keyOf(read.olaresId), ...(lease ? [lease.key] : [])];
    const args = [version, this.seal(next), ...(lease ? [lease.owner] : [])];
    const result = Number(await this.store.eval(COMPARE_AND_SET, keys, args));
    return result > 0 ? 'written' : result === 0 ? 'conflict' : 'lease-lost';
  }

  private seal(record: TokenRecord): string {
    return this.ring.seal(encodeRecord(record), record.olaresId);
  }

  async delete(olaresId: string) {
    const key = this.keyOf(olaresId);
    return (await this.store.run((r) => r.del(key))) > 0;
  }

  private corrupt(olaresId: string, key: string) {
    return new TokenStoreError(
      `the stored token for ${olaresId} (${key} in the state store) cannot be decrypted with OLARES_MCP_TOKEN_KEY or OLARES_MCP_TOKEN_KEY_PREVIOUS (damaged, written for another identity, or sealed under a key no longer set); it was left in place. Fix: set the key it was written with as OLARES_MCP_TOKEN_KEY_PREVIOUS, or log in again`,
      'token_store_corrupt',
    );
  }
}
