// OS keychain backend through @napi-rs/keyring (macOS Keychain, Windows Credential Manager,
// Secret Service on Linux, pinned there: the library would otherwise fall back to the kernel
// keyring, which forgets everything on reboot). Loaded lazily: serving needs it only on first use.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { TokenStoreError } from './errors.js';
import { decodeRecord, encodeRecord, identityMismatch, RecordStore, type TokenRecord } from './tokenStore.js';

export const KEYCHAIN_SERVICE = 'olares-mcp';
const ENTRY_OPTIONS = { linux: { store: 'secret-service' } } as const;

type KeyringModule = typeof import('@napi-rs/keyring');
let keyringModule: Promise<KeyringModule> | undefined;
const loadKeyring = () => {
  keyringModule ??= import('@napi-rs/keyring');
  return keyringModule;
};

function unavailable(err: unknown): TokenStoreError {
  return new TokenStoreError(
    `the OS keychain is not usable: ${(err as Error)?.message ?? err}. Fix: unlock or start your keychain (on Linux a Secret Service such as gnome-keyring), or set OLARES_TOKEN_STORE=file`,
    'keychain_unavailable',
  );
}

export class KeychainTokenStore extends RecordStore {
  readonly backend = 'keychain' as const;

  private async entry(olaresId: string) {
    const { AsyncEntry } = await loadKeyring();
    try {
      return new AsyncEntry(KEYCHAIN_SERVICE, olaresId, ENTRY_OPTIONS as any);
    } catch (err) {
      throw unavailable(err);
    }
  }

  async get(olaresId: string): Promise<TokenRecord | null> {
    const entry = await this.entry(olaresId);
    let text: string | null;
    try {
      text = await entry.getPassword();
    } catch (err) {
      throw unavailable(err);
    }
    if (text === null) return null;
    const record = decodeRecord(text);
    if (!record) {
      throw new TokenStoreError(
        `the keychain item ${KEYCHAIN_SERVICE}/${olaresId} does not hold a token record; it was left in place. Fix: profile_remove {name: "${olaresId}"} then log in again`,
        'token_store_corrupt',
      );
    }
    // The item's account name binds it to olaresId; a record naming another identity was moved there.
    if (record.olaresId !== undefined && record.olaresId !== olaresId)
      throw identityMismatch(`keychain item ${KEYCHAIN_SERVICE}/${olaresId}`, record.olaresId, olaresId);
    return { ...record, olaresId };
  }

  protected async write(record: TokenRecord) {
    const entry = await this.entry(record.olaresId);
    try {
      await entry.setPassword(encodeRecord(record));
    } catch (err) {
      throw unavailable(err);
    }
  }

  async delete(olaresId: string) {
    const entry = await this.entry(olaresId);
    try {
      return await entry.deletePassword();
    } catch (err) {
      throw unavailable(err);
    }
  }
}

export interface KeychainProbe {
  usable: boolean;
  reason?: string;
}

/**
 * Whether the keychain works here. Runs in a child process with a timeout because on a broken
 * D-Bus the keyring constructor can block its thread for minutes (docs/architecture.md#token-stores).
 */
export function probeKeychain(timeoutMs = 3000): Promise<KeychainProbe> {
  let modulePath: string;
  try {
    modulePath = createRequire(import.meta.url).resolve('@napi-rs/keyring');
  } catch (err) {
    return Promise.resolve({
      usable: false,
      reason: `@napi-rs/keyring is not installed (${(err as Error).message})`,
    });
  }
  const script = `
    const fail = (err) => { process.stderr.write(String((err && err.message) || err)); process.exit(3); };
    try {
      const { AsyncEntry } = require(${JSON.stringify(modulePath)});
      const e = new AsyncEntry(${JSON.stringify(KEYCHAIN_SERVICE)}, 'olares-mcp-probe', ${JSON.stringify(ENTRY_OPTIONS)});
      e.getPassword().then(() => process.exit(0), fail);
    } catch (err) { fail(err); }`;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-e', script],
      { timeout: timeoutMs, killSignal: 'SIGKILL' },
      (err, _out, stderr) => {
        if (!err) return resolve({ usable: true });
        const reason = (err as any).killed
          ? `no answer from the keychain within ${timeoutMs} ms`
          : (stderr || err.message).trim().split('\n')[0];
        resolve({ usable: false, reason });
      },
    );
  });
}
