// AES-256-GCM under keys that come from the environment (the deployment's Secret), never from the
// store: whoever reads the store alone learns nothing. The additional data binds a blob to the key
// it is stored under, so a blob copied over another record does not open (as in fileStore.ts).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV = 12;
const TAG = 16;

export interface Opened {
  plain: string;
  /** Opened with a previous key: the caller rewrites it under the current one. */
  stale: boolean;
}

export class KeyRing {
  /** `keys[0]` seals; every key opens (the rest are the previous ones, during a rotation). */
  constructor(private readonly keys: readonly Buffer[]) {
    if (!keys.length || keys.some((k) => k.length !== 32)) throw new Error('KeyRing needs 32-byte keys');
  }

  seal(plain: string, aad: string): string {
    const iv = randomBytes(IV);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0], iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64');
  }

  /** undefined when no key opens it (damaged, another record's, or sealed under a dropped key). */
  open(sealed: string, aad: string): Opened | undefined {
    const blob = Buffer.from(sealed, 'base64');
    if (blob.length < IV + TAG) return undefined;
    for (const [i, key] of this.keys.entries()) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(0, IV));
        decipher.setAAD(Buffer.from(aad, 'utf8'));
        decipher.setAuthTag(blob.subarray(blob.length - TAG));
        const plain = Buffer.concat([
          decipher.update(blob.subarray(IV, blob.length - TAG)),
          decipher.final(),
        ]);
        return { plain: plain.toString('utf8'), stale: i > 0 };
      } catch {
        // the next key, if any
      }
    }
    return undefined;
  }
}
