// Cross-process locks on directories under <home>/locks (proper-lockfile: mkdir-based, portable).
import { dirname, join } from 'node:path';
import { OlaresMcpError } from '../errors.js';
import { ensureDir } from './fsutil.js';
import { sanitizeId } from './home.js';
import { trustStateDirs } from './stateDir.js';

export interface HeldLock {
  /** True once proper-lockfile reported the lock as lost (stale takeover or mtime update failure). */
  readonly compromised: boolean;
  release(): Promise<void>;
}

export interface LockOptions {
  /** ms after which a holder that stopped touching the lock is presumed dead. */
  staleMs: number;
  /** ms to keep trying before giving up. */
  waitMs: number;
}

export class LockTimeoutError extends OlaresMcpError {
  constructor(what: string, path: string, cause: unknown) {
    super(
      `acquire ${what} lock: timed out waiting for ${path} (${(cause as Error)?.message ?? cause}). Another olares-mcp process may be stuck; if none is running, delete that directory`,
      { code: 'lock_timeout', retryable: true },
      { cause },
    );
  }
}

export async function acquireLock(
  locksDir: string,
  name: string,
  what: string,
  opts: LockOptions,
): Promise<HeldLock> {
  // locks/ lives in the state home: a lock dir others can write to lets them hold our locks forever.
  await trustStateDirs(dirname(locksDir));
  await ensureDir(locksDir); // removed since the check? recreated 0700, in a home only we can write
  const target = join(locksDir, sanitizeId(name));
  let compromised = false;
  try {
    // proper-lockfile (with graceful-fs) is only needed once something writes: load it then.
    const { default: lockfile } = await import('proper-lockfile');
    const release = await lockfile.lock(target, {
      realpath: false,
      lockfilePath: target,
      stale: Math.max(2000, opts.staleMs),
      retries:
        opts.waitMs <= 0
          ? 0
          : {
              retries: 100_000,
              factor: 1,
              minTimeout: 20,
              maxTimeout: 100,
              randomize: true,
              maxRetryTime: opts.waitMs,
            },
      // The default handler throws from a timer, which would crash a long-running server.
      onCompromised: () => {
        compromised = true;
      },
    });
    return {
      get compromised() {
        return compromised;
      },
      release: async () => {
        await release().catch(() => {});
      },
    };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOCKED') throw new LockTimeoutError(what, target, err);
    throw err;
  }
}
