// What the 2026-07-28 multi round-trip requests need from the state dir: the key that signs
// `requestState` (so a retry that reaches a restarted server still verifies) and the record of
// used state ids (so an answer is honoured once). Remote mode puts both elsewhere (the key in the
// deployment's Secret, the ids in the shared store) behind the same interfaces.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { OlaresMcpError } from '../errors.js';
import { log } from '../log.js';
import { UntrustedStateError } from './errors.js';
import { ensureDir, writeFileAtomic } from './fsutil.js';
import { openTrustedFile, trustStateDirs } from './stateDir.js';

/** Single-use ids: `claim` is true for the first caller only, in any process, until `expiresAtMs`. */
export interface SingleUseIds {
  claim(id: string, expiresAtMs: number): Promise<boolean>;
}

export class RequestStateKeyError extends OlaresMcpError {
  constructor(path: string, length: number) {
    super(
      `the request-state key ${path} is corrupted (${length} bytes, want 32). Fix: remove it (rm '${path}'); a new one is made on next start, and only confirmations already on screen are asked again`,
      { code: 'state_key_corrupt' },
    );
  }
}

const KEY_FILE = 'request-state.key';

/** 32 random bytes in `<home>/request-state.key` (0600, beside tokens/master.key), made on first use. */
export async function loadRequestStateKey(home: string): Promise<Uint8Array> {
  await trustStateDirs(home);
  const path = join(home, KEY_FILE);
  const existing = await readKeyFile(path);
  if (existing) return existing;
  await writeFileAtomic(path, randomBytes(32));
  // Two servers starting at once: both renames land, and both then read the survivor.
  return (await readKeyFile(path)) ?? Promise.reject(new Error(`${path} vanished after it was written`));
}

async function readKeyFile(path: string): Promise<Uint8Array | undefined> {
  let fh: Awaited<ReturnType<typeof openTrustedFile>>;
  try {
    fh = await openTrustedFile(path, constants.O_RDONLY);
  } catch (err) {
    if (err instanceof UntrustedStateError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const key = await fh.readFile();
    if (key.length !== 32) throw new RequestStateKeyError(path, key.length);
    return new Uint8Array(key);
  } finally {
    await fh.close();
  }
}

const ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * A used id stays this long past its state's expiry. A claim creates its file (mtime: now, in the
 * file system's coarse clock) and only then sets the mtime to the expiry, so a sweep in this or
 * another process can see a fresh claim with an mtime just behind its own clock: it must not take
 * that for an expired one, or the same answer would be honoured twice.
 */
const SWEEP_GRACE_MS = 10 * 60_000;

/**
 * One empty file per used id under `<home>/used-states/`: O_EXCL makes the claim atomic across
 * the processes that share the home. Its mtime is set to the state's expiry, so a sweep needs
 * only a stat per file and a claim no directory read.
 */
export class FileSingleUseIds implements SingleUseIds {
  private readonly dir: string;
  private lastSweep = 0;

  constructor(readonly home: string) {
    this.dir = join(home, 'used-states');
  }

  async claim(id: string, expiresAtMs: number): Promise<boolean> {
    if (!ID_PATTERN.test(id)) return false;
    await trustStateDirs(this.home);
    await ensureDir(this.dir);
    void this.sweep();
    let fh: Awaited<ReturnType<typeof openTrustedFile>>;
    try {
      fh = await openTrustedFile(
        join(this.dir, id),
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
      );
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    try {
      const expiry = new Date(expiresAtMs);
      await fh.utimes(expiry, expiry);
    } finally {
      await fh.close();
    }
    return true;
  }

  /** Drops ids whose states expired long ago (they could not verify any more anyway); at most once a minute. */
  private async sweep() {
    const now = Date.now();
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    try {
      for (const name of await readdir(this.dir)) {
        const path = join(this.dir, name);
        const st = await stat(path).catch(() => undefined);
        if (st && st.mtimeMs < now - SWEEP_GRACE_MS) await unlink(path).catch(() => {});
      }
    } catch (err) {
      log.debug(`used-states sweep: ${(err as Error).message}`);
    }
  }
}
