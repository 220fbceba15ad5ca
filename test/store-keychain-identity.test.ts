// L6 for the keychain backend, without a Secret Service: the keyring module is replaced by an
// in-memory one, so what is tested is only the store's own check of the identity inside a record.
import { afterEach, describe, expect, it, vi } from 'vitest';

const items = new Map<string, string>();
vi.mock('@napi-rs/keyring', () => ({
  AsyncEntry: class {
    private readonly key: string;
    constructor(service: string, account: string) {
      this.key = `${service}/${account}`;
    }
    async getPassword() {
      return items.get(this.key) ?? null;
    }
    async setPassword(value: string) {
      items.set(this.key, value);
    }
    async deletePassword() {
      return items.delete(this.key);
    }
  },
}));

const { KeychainTokenStore, KEYCHAIN_SERVICE } = await import('../src/auth/keychainStore.js');

describe('KeychainTokenStore identity binding', () => {
  afterEach(() => items.clear());

  it("L6: refuses an item holding another identity's record, and leaves it in place", async () => {
    const store = new KeychainTokenStore();
    await store.set({ olaresId: 'bob@olares.com', accessToken: 'bob-access' });
    const bobs = items.get(`${KEYCHAIN_SERVICE}/bob@olares.com`)!;
    items.set(`${KEYCHAIN_SERVICE}/alice@olares.com`, bobs);
    await expect(store.get('alice@olares.com')).rejects.toThrow(
      /was written for bob@olares.com, not alice@olares.com; it was refused and left in place/,
    );
    expect(items.get(`${KEYCHAIN_SERVICE}/alice@olares.com`)).toBe(bobs);
    expect((await store.get('bob@olares.com'))?.accessToken).toBe('bob-access');
  });

  it('reads a record without an inner olaresId as the item it is stored under', async () => {
    items.set(`${KEYCHAIN_SERVICE}/carol@olares.com`, JSON.stringify({ accessToken: 'carol-access' }));
    expect(await new KeychainTokenStore().get('carol@olares.com')).toMatchObject({
      olaresId: 'carol@olares.com',
      accessToken: 'carol-access',
    });
  });
});
