// At most one /api/refresh per stale token: in-process single-flight, then a cross-process lock
// on <home>/locks/<id>.refresh, then a re-read of the store, refreshing only if the stored token
// is still the stale one (docs/refresh.md#single-flight-and-lock, docs/refresh.md#reactive-refresh).

import { OlaresMcpError } from '../errors.js';
import { log } from '../log.js';
import { type AuthCallOptions, refreshGrant } from './authApi.js';
import { NotLoggedInError, RefreshRejectedError, TokenInvalidatedError } from './errors.js';
import { acquireLock, type HeldLock, type LockOptions, LockTimeoutError } from './lock.js';
import type { TokenStore } from './tokenStore.js';

/** How long calls hold back behind a probe before going out on their own. */
const PROBE_HOLD_MS = 5000;

export class Refresher {
  private readonly inflight = new Map<string, Promise<string>>();
  /** Per stale token: the answer its probe got (true: refused), and how to give it. */
  private readonly probes = new Map<string, { answer: Promise<boolean>; release(refused: boolean): void }>();
  /** Counts network refreshes this process made (read by the tests that pin single flight). */
  refreshCount = 0;
  /**
   * Pause before the one retry of a refused refresh. With the LLDAP provider every failure of
   * the user backend, a restart included, comes back as 401 (Authelia handler_refresh.go), so a
   * single refusal does not yet prove the grant dead.
   */
  rejectRetryMs = 2000;

  constructor(
    private readonly locksDir: string,
    private readonly lockOptions: LockOptions,
  ) {}

  /** Returns an access token newer than `stale`, refreshing only when nobody else already did. */
  refresh(store: TokenStore, olaresId: string, stale: string, auth: AuthCallOptions): Promise<string> {
    const key = `${olaresId}\0${stale}`;
    let p = this.inflight.get(key);
    if (!p) {
      p = this.run(store, olaresId, stale, auth).finally(() => {
        this.inflight.delete(key);
        // The token is stale for good now: calls still held behind its probe go to the refresh.
        this.probes.get(key)?.release(true);
        this.probes.delete(key);
      });
      this.inflight.set(key, p);
    }
    return p;
  }

  /**
   * A token past its exp may still be accepted (clocks differ), so it is not refreshed on sight;
   * but neither should twenty calls carry it at once only to be refused and replayed. The first
   * call goes out as a probe (undefined); the others get a promise of the server's answer to it:
   * true when it refused the token.
   */
  holdBehindProbe(olaresId: string, token: string): Promise<boolean> | undefined {
    const key = `${olaresId}\0${token}`;
    const probe = this.probes.get(key);
    if (probe) return probe.answer;
    let release!: (refused: boolean) => void;
    const answer = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => release(false), PROBE_HOLD_MS).unref();
      release = (refused) => {
        clearTimeout(timer);
        // A refused token's answer stays until its refresh ends, so calls that still read it
        // from the store meanwhile go straight to the refresh.
        if (!refused && this.probes.get(key)?.answer === answer) this.probes.delete(key);
        resolve(refused);
      };
    });
    this.probes.set(key, { answer, release });
    return undefined;
  }

  /** The server answered a request carrying `token`; releases the calls held behind its probe. */
  answered(olaresId: string, token: string, refused: boolean): void {
    this.probes.get(`${olaresId}\0${token}`)?.release(refused);
  }

  private async readStored(store: TokenStore, olaresId: string, stale: string) {
    const record = await store.get(olaresId);
    if (!record) throw new NotLoggedInError(olaresId);
    if (record.invalidatedAt) throw new TokenInvalidatedError(olaresId, record.invalidatedAt);
    return {
      record,
      fresher: record.accessToken && record.accessToken !== stale ? record.accessToken : undefined,
    };
  }

  private async run(
    store: TokenStore,
    olaresId: string,
    stale: string,
    auth: AuthCallOptions,
  ): Promise<string> {
    const started = Date.now();
    const before = await this.readStored(store, olaresId, stale);
    if (before.fresher) return before.fresher;
    // Wait for the lock by polling it ourselves, re-reading the store between tries: when another
    // process holds it to refresh this very token, its result is picked up as soon as it is
    // written, instead of queueing every waiter through the lock one after another.
    let lock: HeldLock | undefined;
    const deadline = Date.now() + this.lockOptions.waitMs;
    while (!lock) {
      try {
        lock = await acquireLock(this.locksDir, `${olaresId}.refresh`, 'refresh', {
          staleMs: this.lockOptions.staleMs,
          waitMs: 0,
        });
      } catch (err) {
        if (!(err instanceof LockTimeoutError) || Date.now() > deadline) throw err;
        const { fresher } = await this.readStored(store, olaresId, stale);
        if (fresher) {
          log.debug(
            `refresh ${olaresId}: another process refreshed; picked its token up after ${Date.now() - started} ms`,
          );
          return fresher;
        }
        await new Promise((r) => setTimeout(r, 10 + Math.random() * 20));
      }
    }
    try {
      const { record, fresher } = await this.readStored(store, olaresId, stale);
      if (fresher) return fresher;
      log.debug(`refresh ${olaresId}: lock taken after ${Date.now() - started} ms; calling /api/refresh`);
      if (!record.refreshToken) throw new NotLoggedInError(olaresId);
      const ask = () => {
        this.refreshCount++;
        return refreshGrant({ refreshToken: record.refreshToken!, accessToken: record.accessToken }, auth);
      };
      let grant: Awaited<ReturnType<typeof refreshGrant>>;
      try {
        grant = await ask().catch(async (err) => {
          if (!(err instanceof RefreshRejectedError)) throw err;
          log.debug(`refresh ${olaresId}: refused; one more try in ${this.rejectRetryMs} ms`);
          // Still inside the lock: proper-lockfile keeps touching it meanwhile, so no other
          // process takes it over as stale, and it says so (compromised) if that failed.
          await new Promise((r) => setTimeout(r, this.rejectRetryMs));
          assertStillHeld(lock!, olaresId);
          return ask();
        });
      } catch (err) {
        if (!(err instanceof RefreshRejectedError)) throw err;
        assertStillHeld(lock, olaresId);
        const at = Date.now();
        await store.markInvalidated(olaresId, at).catch((e) => {
          process.stderr.write(
            `warning: failed to persist invalidated marker for ${olaresId}: ${(e as Error).message} (refresh attempt will repeat next run)\n`,
          );
        });
        throw new TokenInvalidatedError(olaresId, at);
      }
      assertStillHeld(lock, olaresId);
      await store.set({
        olaresId,
        accessToken: grant.accessToken,
        refreshToken: grant.refreshToken,
        sessionId: grant.sessionId ?? record.sessionId,
      });
      log.debug(
        `refresh ${olaresId}: refreshed and stored ${Date.now() - started} ms after the first refusal`,
      );
      return grant.accessToken;
    } finally {
      await lock.release();
    }
  }
}

/** Writes only under a lock that is still ours: another process may have taken it over. */
function assertStillHeld(lock: HeldLock, olaresId: string) {
  if (lock.compromised)
    throw new OlaresMcpError(
      `refresh of ${olaresId}: the refresh lock was lost while waiting for the box (another olares-mcp took it over); nothing was written. Calling again picks up that process's token`,
      { code: 'lock_lost', retryable: true },
    );
}
