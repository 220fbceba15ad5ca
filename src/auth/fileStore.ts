// Encrypted file backend: <home>/tokens/master.key (32 random bytes, 0600) and one
// <sanitized id>.enc per identity = 12-byte IV | AES-256-GCM ciphertext | 16-byte tag.
// The olaresId is the GCM additional data, so a blob copied over another identity's file does
// not decrypt (the security review, README "Security model" L6). Blobs written before that binding are read once,
// if the identity inside matches, and rewritten bound.
// Without a keychain-held key this protects against casual reads of the blob (backups, grep),
// not against someone who can read the whole directory as this user. README says so.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { log } from '../log.js';
import { HomeNotWritableError, TokenStoreError, UntrustedStateError } from './errors.js';
import { ChangeCache, writeFileAtomic } from './fsutil.js';
import { sanitizeId } from './home.js';
import { openTrustedFile, trustFileSync, trustStateDirs } from './stateDir.js';
import { decodeRecord, encodeRecord, identityMismatch, RecordStore, type TokenRecord } from './tokenStore.js';

interface OpenedBlob {
  record: TokenRecord;
  /** The bytes of a blob written without identity binding, kept to rewrite it only if unchanged. */
  legacyBlob?: Buffer;
}

const IV = 12;
const TAG = 16;
const aadOf = (olaresId: string) => Buffer.from(olaresId, 'utf8');

function decrypt(key: Buffer, blob: Buffer, aad?: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(0, IV));
  if (aad) decipher.setAAD(aad);
  decipher.setAuthTag(blob.subarray(blob.length - TAG));
  return Buffer.concat([decipher.update(blob.subarray(IV, blob.length - TAG)), decipher.final()]);
}

export class FileTokenStore extends RecordStore {
  readonly backend = 'file' as const;
  private key?: Buffer;
  private readonly cache = new ChangeCache<OpenedBlob>(trustFileSync);

  /** `home` is the state directory `dir` lives in: it is trusted before the first read. */
  constructor(
    readonly dir: string,
    readonly home = dirname(dir),
  ) {
    super();
  }

  private blobPath(id: string) {
    return join(this.dir, `${sanitizeId(id)}.enc`);
  }

  private async masterKey(create: boolean): Promise<Buffer | undefined> {
    if (this.key) return this.key;
    const path = join(this.dir, 'master.key');
    try {
      const key = await this.readKey(path);
      if (key.length !== 32) {
        throw new TokenStoreError(
          `the token store key ${path} is corrupted (${key.length} bytes, want 32). Fix: move it aside and log in again (profile_login); stored tokens cannot be read without it`,
          'token_store_corrupt',
        );
      }
      this.key = key;
      return key;
    } catch (err) {
      if (err instanceof TokenStoreError || err instanceof UntrustedStateError) throw err;
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new HomeNotWritableError(path, err, 'read');
      if (!create) return undefined;
      await writeFileAtomic(path, randomBytes(32));
      this.key = await this.readKey(path); // a concurrent creator may have won the rename: use what is on disk
      return this.key;
    }
  }

  /** The key is read only when it is ours and nobody else may write it (a planted key reads our tokens). */
  private async readKey(path: string): Promise<Buffer> {
    const fh = await openTrustedFile(path, constants.O_RDONLY);
    try {
      return await fh.readFile();
    } finally {
      await fh.close();
    }
  }

  async get(olaresId: string): Promise<TokenRecord | null> {
    await trustStateDirs(this.home);
    const path = this.blobPath(olaresId);
    const key = await this.masterKey(false);
    let opened: OpenedBlob | undefined;
    try {
      // Decrypting on every call is the hot path of each tool call: only redo it when the blob changed.
      opened = await this.cache.read(path, (blob) => this.open(blob, key, olaresId, path));
    } catch (err) {
      if (err instanceof TokenStoreError || err instanceof UntrustedStateError) throw err;
      if ((err as NodeJS.ErrnoException).code && (err as NodeJS.ErrnoException).syscall) {
        throw new TokenStoreError(`cannot read ${path}: ${(err as Error).message}`);
      }
      throw this.corrupt(olaresId, path);
    }
    if (!opened) return null;
    // The cache is per path; the identity is checked per call.
    if (opened.record.olaresId !== olaresId) throw identityMismatch(path, opened.record.olaresId, olaresId);
    if (opened.legacyBlob) await this.bindLegacy(path, opened.legacyBlob, opened.record);
    return opened.record;
  }

  private open(blob: Buffer, key: Buffer | undefined, olaresId: string, path: string): OpenedBlob {
    if (!key || blob.length < IV + TAG) throw this.corrupt(olaresId, path);
    let plain: Buffer;
    let legacy = false;
    try {
      plain = decrypt(key, blob, aadOf(olaresId));
    } catch {
      try {
        plain = decrypt(key, blob); // written before identity binding?
        legacy = true;
      } catch {
        throw this.corrupt(olaresId, path);
      }
    }
    const record = decodeRecord(plain.toString('utf8'));
    if (!record) throw this.corrupt(olaresId, path);
    // An unbound blob is only as good as the identity inside it.
    if (legacy && record.olaresId !== olaresId) throw identityMismatch(path, record.olaresId, olaresId);
    return legacy ? { record, legacyBlob: blob } : { record };
  }

  private corrupt(olaresId: string, path: string) {
    return new TokenStoreError(
      `the stored token for ${olaresId} (${path}) cannot be decrypted (damaged, or written for another identity); it was left in place. Fix: log in again with profile_login {olaresId: "${olaresId}"} after profile_remove, or restore the file`,
      'token_store_corrupt',
    );
  }

  /**
   * Rewrites an unbound blob bound to its identity, unless another writer replaced it since it
   * was read (that newer grant wins). If the rewrite fails the record is still served.
   */
  private async bindLegacy(path: string, legacyBlob: Buffer, record: TokenRecord): Promise<void> {
    try {
      const now = await readFile(path);
      if (now.equals(legacyBlob)) await this.write(record);
    } catch (err) {
      log.warn(`could not rewrite ${path} bound to its identity: ${(err as Error).message}`);
    }
  }

  protected async write(record: TokenRecord) {
    await trustStateDirs(this.home);
    const key = (await this.masterKey(true))!;
    const iv = randomBytes(IV);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aadOf(record.olaresId));
    const body = Buffer.concat([cipher.update(encodeRecord(record), 'utf8'), cipher.final()]);
    await writeFileAtomic(this.blobPath(record.olaresId), Buffer.concat([iv, body, cipher.getAuthTag()]));
  }

  async delete(olaresId: string) {
    await trustStateDirs(this.home);
    try {
      await rm(this.blobPath(olaresId));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }
}
