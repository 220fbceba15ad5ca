// The encrypted file store: round trip, file modes, crash safety under SIGKILL, corrupt files
// left in place with a clear message.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileTokenStore } from '../src/auth/fileStore.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

describe('FileTokenStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'olares-store-')), 'tokens');
  });
  afterEach(() => rm(join(dir, '..'), { recursive: true, force: true }));

  it('round-trips, encrypts, and uses 0600 files in a 0700 dir', async () => {
    const store = new FileTokenStore(dir);
    await store.set({ olaresId: 'a@olares.com', accessToken: 'access-123', refreshToken: 'refresh-456' });
    const rec = await store.get('a@olares.com');
    expect(rec).toMatchObject({
      olaresId: 'a@olares.com',
      accessToken: 'access-123',
      refreshToken: 'refresh-456',
    });
    expect(rec?.grantedAt).toBeGreaterThan(0);
    const blob = await readFile(join(dir, 'a@olares.com.enc'));
    expect(blob.includes(Buffer.from('refresh-456'))).toBe(false);
    expect((await stat(join(dir, 'a@olares.com.enc'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'master.key'))).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    await store.markInvalidated('a@olares.com', 1234);
    expect((await store.get('a@olares.com'))?.invalidatedAt).toBe(1234);
    await store.set({ olaresId: 'a@olares.com', accessToken: 'new' });
    expect((await store.get('a@olares.com'))?.invalidatedAt).toBeUndefined();
    expect(await store.delete('a@olares.com')).toBe(true);
    expect(await store.delete('a@olares.com')).toBe(false);
    expect(await store.get('a@olares.com')).toBeNull();
  });

  it('refuses a corrupt blob or key with a clear message and leaves them in place', async () => {
    const store = new FileTokenStore(dir);
    await store.set({ olaresId: 'a@olares.com', accessToken: 'x' });
    await writeFile(join(dir, 'a@olares.com.enc'), 'garbage that is long enough to be parsed');
    await expect(new FileTokenStore(dir).get('a@olares.com')).rejects.toThrow(
      /cannot be decrypted \(damaged, or written for another identity\); it was left in place. Fix:/,
    );
    expect(await readFile(join(dir, 'a@olares.com.enc'), 'utf8')).toBe(
      'garbage that is long enough to be parsed',
    );
    await writeFile(join(dir, 'master.key'), 'short');
    await expect(new FileTokenStore(dir).get('a@olares.com')).rejects.toThrow(
      /token store key .* is corrupted/,
    );
  });

  it('binds each blob to its olaresId: a blob copied over another identity is refused, left in place', async () => {
    const store = new FileTokenStore(dir);
    await store.set({ olaresId: 'a@olares.com', accessToken: 'access-a' });
    await store.set({ olaresId: 'b@olares.com', accessToken: 'access-b' });
    const bBlob = await readFile(join(dir, 'b@olares.com.enc'));
    await writeFile(join(dir, 'a@olares.com.enc'), bBlob);
    await expect(new FileTokenStore(dir).get('a@olares.com')).rejects.toThrow(/cannot be decrypted/);
    expect((await readFile(join(dir, 'a@olares.com.enc'))).equals(bBlob)).toBe(true);
    expect((await new FileTokenStore(dir).get('b@olares.com'))?.accessToken).toBe('access-b');
  });

  it('always holds the old or the new record when the writer is SIGKILLed mid-write', async () => {
    const store = new FileTokenStore(dir);
    await store.set({ olaresId: 'k@olares.com', accessToken: 'token-A', refreshToken: 'rt-A' });
    const seen = new Set<string>();
    for (let round = 0; round < 25; round++) {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(FIXTURES, 'store-writer.ts'), dir, 'k@olares.com'],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      // Kill after 1 to 6 finished writes (counted, not timed): the kill lands in a later write,
      // and over the rounds the last finished record is of both kinds whatever the disk's speed.
      const writes = 1 + (round % 6);
      let printed = '';
      await new Promise<void>((resolve) =>
        child.stdout.on('data', (d) => {
          printed += d;
          if ((printed.match(/^\d+$/gm) ?? []).length >= writes) resolve();
        }),
      );
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const rec = await new FileTokenStore(dir).get('k@olares.com');
      expect(['token-A', 'token-B']).toContain(rec?.accessToken);
      expect(rec?.refreshToken).toBe(rec?.accessToken === 'token-A' ? 'rt-A' : 'rt-B');
      seen.add(rec!.accessToken);
    }
    expect(seen.size).toBe(2); // the kills really landed between writes of both kinds
    const names = await readdir(dir);
    expect(names.filter((n) => n.endsWith('.enc'))).toEqual(['k@olares.com.enc']);
  }, 120_000);
});
