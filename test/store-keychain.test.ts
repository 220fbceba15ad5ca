// The keychain backend against a REAL Secret Service (gnome-keyring under dbus-run-session, as
// .ci/run sets up). Without one these tests skip and say why.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeychainTokenStore, probeKeychain } from '../src/auth/keychainStore.js';
import { TokenStores } from '../src/auth/stores.js';

const probe = process.env.DBUS_SESSION_BUS_ADDRESS
  ? await probeKeychain()
  : { usable: false, reason: 'DBUS_SESSION_BUS_ADDRESS is not set' };
if (!probe.usable)
  console.warn(
    `keychain tests skipped: no usable Secret Service (${probe.reason}); run them with bash .ci/run`,
  );
const id = `keychain-test-${process.pid}@olares.com`;

describe.skipIf(!probe.usable)('KeychainTokenStore (real Secret Service)', () => {
  const store = new KeychainTokenStore();
  afterAll(() => store.delete(id).catch(() => {}));

  it('round-trips a record, stamps invalidation and deletes', async () => {
    await store.set({ olaresId: id, accessToken: 'a.b.c', refreshToken: 'rt-1', sessionId: 's' });
    expect(await store.get(id)).toMatchObject({ olaresId: id, accessToken: 'a.b.c', refreshToken: 'rt-1' });
    await store.markInvalidated(id, 42);
    expect((await store.get(id))?.invalidatedAt).toBe(42);
    expect(await store.delete(id)).toBe(true);
    expect(await store.get(id)).toBeNull();
    expect(await store.delete(id)).toBe(false);
  });

  it('is what auto and keychain modes write to', async () => {
    const home = await mkdtemp(join(tmpdir(), 'olares-kc-'));
    try {
      for (const mode of ['auto', 'keychain'] as const) {
        const stores = new TokenStores(home, mode);
        const w = await stores.forWrite();
        expect(w.backend).toBe('keychain');
        await w.set({ olaresId: id, accessToken: `tok-${mode}` });
        expect((await (await stores.forProfile('keychain')).get(id))?.accessToken).toBe(`tok-${mode}`);
        expect(await stores.file.get(id)).toBeNull();
        await w.delete(id);
      }
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe('keychain unavailable', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'olares-nokc-'));
  });
  afterAll(() => rm(home, { recursive: true, force: true }));

  // The D-Bus connection is cached per process: test "no Secret Service" in a fresh child.
  it('auto falls back to the file store; keychain mode says how to fix it', async () => {
    const script = `
      import { TokenStores } from ${JSON.stringify(join(import.meta.dirname, '../src/auth/stores.ts'))};
      const auto = await (new TokenStores(${JSON.stringify(home)}, 'auto')).forWrite();
      let msg = '';
      try { await new TokenStores(${JSON.stringify(home)}, 'keychain').forWrite(); } catch (e) { msg = e.message; }
      console.log(JSON.stringify({ auto: auto.backend, msg }));`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(home, 'no-such-bus')}` },
        timeout: 30_000,
      },
    );
    const r = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(r.auto).toBe('file');
    expect(r.msg).toMatch(
      /OLARES_TOKEN_STORE=keychain but the OS keychain is not usable: .*DBus.*set OLARES_TOKEN_STORE=file/,
    );
  });
});
