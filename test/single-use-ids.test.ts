// The file-backed record of used 2026-07-28 request states (src/auth/mrtrState.ts): an answer is
// honoured once, in any process sharing the home, and the sweep never frees an id still in use.
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSingleUseIds } from '../src/auth/mrtrState.js';

const id = (n: number) => `state-id-${String(n).padStart(8, '0')}`;

describe('FileSingleUseIds', () => {
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'olares-used-'));
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('claims an id once, also across two instances over one home', async () => {
    const exp = Date.now() + 60_000;
    const a = new FileSingleUseIds(home);
    const b = new FileSingleUseIds(home);
    const answers = await Promise.all([a.claim(id(1), exp), b.claim(id(1), exp)]);
    expect(answers.filter(Boolean)).toHaveLength(1);
    expect(await a.claim(id(1), exp)).toBe(false);
    expect(await a.claim(id(2), exp)).toBe(true);
  });

  it('refuses ids that are not ours to name (paths, short ids)', async () => {
    const ids = new FileSingleUseIds(home);
    expect(await ids.claim('../escape-0000000000', Date.now() + 60_000)).toBe(false);
    expect(await ids.claim('short', Date.now() + 60_000)).toBe(false);
  });

  it('a sweep keeps a claim whose expiry is not set yet, and drops ids long expired', async () => {
    // Another process has just created its claim file and not yet moved its mtime to the
    // expiry: the file's mtime is a moment behind the sweeping process's clock.
    const dir = join(home, 'used-states');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const fresh = join(dir, id(3));
    await writeFile(fresh, '', { mode: 0o600 });
    const aMomentAgo = new Date(Date.now() - 1000);
    await utimes(fresh, aMomentAgo, aMomentAgo);
    const old = join(dir, id(4));
    await writeFile(old, '', { mode: 0o600 });
    const longAgo = new Date(Date.now() - 24 * 3600_000);
    await utimes(old, longAgo, longAgo);

    const ids = new FileSingleUseIds(home);
    expect(await ids.claim(id(5), Date.now() + 60_000)).toBe(true); // the first claim sweeps
    const deadline = Date.now() + 5000;
    while ((await readdir(dir)).includes(id(4)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const left = await readdir(dir);
    expect(left).not.toContain(id(4));
    expect(left).toContain(id(3));
    expect(await ids.claim(id(3), Date.now() + 60_000)).toBe(false);
  });
});
