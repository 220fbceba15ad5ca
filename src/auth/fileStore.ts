// Encrypted file backend: <home>/tokens/master.key (32 random bytes, 0600) and one
// <sanitized id>.enc per identity = 12-byte IV | AES-256-GCM ciphertext | 16-byte tag.
// Without a keychain-held key this protects against casual reads of the blob (backups, grep),
// not against someone who can read the whole directory as this user. README says so.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { HomeNotWritableError, TokenStoreError } from './errors.js';
import { ChangeCache, ensureDir, writeFileAtomic } from './fsutil.js';
import { sanitizeId } from './home.js';
import { decodeRecord, encodeRecord, RecordStore, type TokenRecord } from './tokenStore.js';

export class FileTokenStore extends RecordStore {
  readonly backend = 'file' as const;
  private key?: Buffer;
  private readonly cache = new ChangeCache<TokenRecord>();

  constructor(readonly dir: string) {
    super();
  }

  private blobPath(id: string) {
    return join(this.dir, `${sanitizeId(id)}.enc`);
  }

  private async masterKey(create: boolean): Promise<Buffer | undefined> {
    if (this.key) return this.key;
    const path = join(this.dir, 'master.key');
    try {
      const key = await readFile(path);
      if (key.length !== 32) {
        throw new TokenStoreError(
          `the token store key ${path} is corrupted (${key.length} bytes, want 32). Fix: move it aside and log in again (profile_login); stored tokens cannot be read without it`,
          'token_store_corrupt',
        );
      }
      this.key = key;
      return key;
    } catch (err) {
      if (err instanceof TokenStoreError) throw err;
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new HomeNotWritableError(path, err, 'read');
      if (!create) return undefined;
      await ensureDir(this.dir);
      await writeFileAtomic(path, randomBytes(32));
      this.key = await readFile(path); // a concurrent creator may have won the rename: use what is on disk
      return this.key;
    }
  }

  async get(olaresId: string): Promise<TokenRecord | null> {
    const path = this.blobPath(olaresId);
    const key = await this.masterKey(false);
    const corrupt = () =>
      new TokenStoreError(
        `the stored token for ${olaresId} (${path}) cannot be decrypted; it was left in place. Fix: log in again with profile_login {olaresId: "${olaresId}"} after profile_remove, or restore the file`,
        'token_store_corrupt',
      );
    let record: TokenRecord | undefined;
    try {
      // Decrypting on every call is the hot path of each tool call: only redo it when the blob changed.
      record = await this.cache.read(path, (blob) => {
        if (!key || blob.length < 12 + 16) throw corrupt();
        const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(0, 12));
        decipher.setAuthTag(blob.subarray(blob.length - 16));
        const plain = Buffer.concat([decipher.update(blob.subarray(12, blob.length - 16)), decipher.final()]);
        const r = decodeRecord(plain.toString('utf8'), olaresId);
        if (!r) throw corrupt();
        return r;
      });
    } catch (err) {
      if (err instanceof TokenStoreError) throw err;
      if ((err as NodeJS.ErrnoException).code && (err as NodeJS.ErrnoException).syscall) {
        throw new TokenStoreError(`cannot read ${path}: ${(err as Error).message}`);
      }
      throw corrupt();
    }
    return record ?? null;
  }

  protected async write(record: TokenRecord) {
    const key = (await this.masterKey(true))!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(encodeRecord(record), 'utf8'), cipher.final()]);
    await writeFileAtomic(this.blobPath(record.olaresId), Buffer.concat([iv, body, cipher.getAuthTag()]));
  }

  async delete(olaresId: string) {
    try {
      await rm(this.blobPath(olaresId));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }
}
