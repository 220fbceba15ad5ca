// Picks the token store per OLARES_TOKEN_STORE and per profile (a profile reads from where its
// token was written).
import type { TokenBackend } from './config.js';
import { TokenStoreError } from './errors.js';
import { FileTokenStore } from './fileStore.js';
import { homePaths } from './home.js';
import { type KeychainProbe, KeychainTokenStore, probeKeychain } from './keychainStore.js';
import type { TokenStore } from './tokenStore.js';

export type StoreMode = 'auto' | 'keychain' | 'file';

export class TokenStores {
  private probe?: Promise<KeychainProbe>;
  readonly file: FileTokenStore;
  private keychainStore?: KeychainTokenStore;

  /** `shared`: the state store's token store, which then holds every token (OLARES_STATE=redis). */
  constructor(
    readonly home: string,
    readonly mode: StoreMode,
    private readonly shared?: TokenStore,
  ) {
    this.file = new FileTokenStore(homePaths(home).tokens);
  }

  /** Probed once per process, off the main thread. */
  keychainProbe(): Promise<KeychainProbe> {
    this.probe ??= probeKeychain();
    return this.probe;
  }

  async keychain(): Promise<KeychainTokenStore> {
    const probe = await this.keychainProbe();
    if (!probe.usable) {
      throw new TokenStoreError(
        `OLARES_TOKEN_STORE=keychain but the OS keychain is not usable: ${probe.reason}. Fix: unlock or start your keychain (on Linux a Secret Service such as gnome-keyring), or set OLARES_TOKEN_STORE=file`,
        'keychain_unavailable',
      );
    }
    this.keychainStore ??= new KeychainTokenStore();
    return this.keychainStore;
  }

  /** Where a new token goes. */
  async forWrite(): Promise<TokenStore> {
    if (this.shared) return this.shared;
    if (this.mode === 'file') return this.file;
    if (this.mode === 'keychain') return this.keychain();
    return (await this.keychainProbe()).usable ? this.keychain() : this.file;
  }

  /** Where an existing profile's token is read from. */
  async forProfile(backend: TokenBackend | undefined): Promise<TokenStore> {
    if (this.shared) return this.shared;
    if (backend === 'keychain') return this.keychain();
    if (backend === 'file') return this.file;
    return this.forWrite();
  }
}
