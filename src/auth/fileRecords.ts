// Sealed records with a time to live in the file home: the same contract as the shared store's
// SealedRecords (redis/records.ts), so serve --http without a store serves the connect page the
// same way. `<home>/records/<name>.json` (dir 0700, file 0600) holds the sealed value and its
// expiry; the seal's key is the home's requestState key, so a copied file alone reveals nothing.
// `take` renames the file first: of two processes taking one record, exactly one gets it.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './fsutil.js';
import { KeyRing } from './redis/seal.js';

/** What a pending-login store offers: put with a TTL, read, read-and-delete once, delete. */
export interface PendingRecords<T> {
  put(id: string, value: T, ttlMs: number): Promise<void>;
  get(id: string): Promise<T | undefined>;
  /** Reads and deletes in one step: of concurrent takers, one gets the record. */
  take(id: string): Promise<T | undefined>;
  delete(id: string): Promise<void>;
}

/** Record names are hashes or random tokens: nothing that could walk out of the directory. */
const NAME = /^[A-Za-z0-9_-]{8,128}$/;

interface Stored {
  sealed: string;
  expiresAt: number;
}

export class FileSealedRecords<T> implements PendingRecords<T> {
  private readonly dir: string;
  private ring?: KeyRing;

  constructor(
    home: string,
    private readonly kind: string,
    private readonly key: () => Promise<Uint8Array>,
  ) {
    this.dir = join(home, 'records');
  }

  private async keyRing(): Promise<KeyRing> {
    this.ring ??= new KeyRing([Buffer.from(await this.key())]);
    return this.ring;
  }

  private pathOf(id: string): string {
    if (!NAME.test(id)) throw new Error(`not a record name: ${id.length} characters`);
    return join(this.dir, `${this.kind}-${id}.json`);
  }

  async put(id: string, value: T, ttlMs: number): Promise<void> {
    const path = this.pathOf(id);
    const sealed = (await this.keyRing()).seal(JSON.stringify(value), `${this.kind}:${id}`);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const stored: Stored = { sealed, expiresAt: Date.now() + Math.max(1, ttlMs) };
    await writeFileAtomic(path, JSON.stringify(stored), 0o600);
    void this.sweep();
  }

  async get(id: string): Promise<T | undefined> {
    return this.open(id, await readFile(this.pathOf(id), 'utf8').catch(() => undefined));
  }

  async take(id: string): Promise<T | undefined> {
    const claimed = `${this.pathOf(id)}.taken-${randomBytes(6).toString('hex')}`;
    try {
      await rename(this.pathOf(id), claimed);
    } catch {
      return undefined; // absent, or another taker won
    }
    const text = await readFile(claimed, 'utf8').catch(() => undefined);
    await rm(claimed, { force: true });
    return this.open(id, text);
  }

  async delete(id: string): Promise<void> {
    await rm(this.pathOf(id), { force: true });
  }

  /** Expired, damaged or foreign-keyed records read as absent: a pending login is only worth its link. */
  private async open(id: string, text: string | undefined): Promise<T | undefined> {
    if (!text) return undefined;
    let stored: Stored;
    try {
      stored = JSON.parse(text) as Stored;
    } catch {
      return undefined;
    }
    if (!(stored.expiresAt > Date.now()) || typeof stored.sealed !== 'string') {
      await this.delete(id).catch(() => {});
      return undefined;
    }
    const opened = (await this.keyRing()).open(stored.sealed, `${this.kind}:${id}`);
    return opened ? (JSON.parse(opened.plain) as T) : undefined;
  }

  /** Expired records of abandoned links go on the next write; the store's TTL does this for Redis. */
  private async sweep(): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const name of names) {
      const path = join(this.dir, name);
      const text = await readFile(path, 'utf8').catch(() => undefined);
      try {
        if (text && (JSON.parse(text) as Stored).expiresAt > Date.now()) continue;
      } catch {
        // damaged: as good as expired
      }
      if (!name.includes('.taken-') && name.endsWith('.json')) await rm(path, { force: true });
    }
  }
}
