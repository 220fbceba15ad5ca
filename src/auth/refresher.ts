// At most one /api/refresh per stale token: in-process single-flight, then a cross-process lease
// (a lock on <home>/locks/<id>.refresh, or the shared store's lease), then a re-read of the store,
// refreshing only if the stored token is still the stale one (docs/refresh.md#single-flight-and-lock, docs/refresh.md#reactive-refresh).

import { OlaresMcpError } from '../errors.js';
import { log } from '../log.js';
import { type AuthCallOptions, refreshGrant } from './authApi.js';
import { NotLoggedInError, RefreshRejectedError, TokenInvalidatedError } from './errors.js';
import type { LockOptions } from './lock.js';
import { FileRefreshLeases, type RefreshLease, type RefreshLeases } from './refreshLease.js';
import type { TokenRecord, TokenStore } from './tokenStore.js';

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

  private readonly leases: RefreshLeases;
  private readonly waitMs: number;

  /** `leases`: the shared store's, or a locks directory of the file home. */
  constructor(leases: RefreshLeases | string, options: LockOptions) {
    this.leases = typeof leases === 'string' ? new FileRefreshLeases(leases, options.staleMs) : leases;
    this.waitMs = options.waitMs;
  }

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
    const lease = await this.awaitLease(store, olaresId, stale, started);
    if (typeof lease === 'string') return lease;
    try {
      const { record, fresher } = await this.readStored(store, olaresId, stale);
      if (fresher) return fresher;
      log.debug(`refresh ${olaresId}: lease taken after ${Date.now() - started} ms; calling /api/refresh`);
      if (!record.refreshToken) throw new NotLoggedInError(olaresId);
      const grant = await this.askBox(record, lease, auth).catch(async (err) => {
        if (err instanceof LeaseLostError) return this.afterLostLease(store, olaresId, stale);
        if (!(err instanceof RefreshRejectedError)) throw err;
        // A refusal seen by a holder that lost its lease may be the winner's rotation: not ours to stamp.
        const at = Date.now();
        const stamped = await lease.invalidate(store, record, at).catch((e) => {
          process.stderr.write(
            `warning: failed to persist invalidated marker for ${olaresId}: ${(e as Error).message} (refresh attempt will repeat next run)\n`,
          );
          return true;
        });
        if (!stamped) return this.afterLostLease(store, olaresId, stale);
        throw new TokenInvalidatedError(olaresId, at);
      });
      if (typeof grant === 'string') return grant;
      const next = {
        olaresId,
        accessToken: grant.accessToken,
        refreshToken: grant.refreshToken,
        sessionId: grant.sessionId ?? record.sessionId,
      };
      if (!(await lease.commit(store, record, next))) return this.afterLostLease(store, olaresId, stale);
      log.debug(
        `refresh ${olaresId}: refreshed and stored ${Date.now() - started} ms after the first refusal`,
      );
      return grant.accessToken;
    } finally {
      await lease.release();
    }
  }

  /**
   * Polls for the lease, re-reading the store between tries: when another process holds it to
   * refresh this very token, its result is picked up as soon as it is written (the shared store
   * offers no notifications, and the file home none either). A string is that picked-up token.
   */
  private async awaitLease(store: TokenStore, olaresId: string, stale: string, started: number) {
    const deadline = started + this.waitMs;
    for (;;) {
      const lease = await this.leases.tryAcquire(olaresId);
      if (lease) return lease;
      const { fresher } = await this.readStored(store, olaresId, stale);
      if (fresher) {
        log.debug(`refresh ${olaresId}: picked another process's token up after ${Date.now() - started} ms`);
        return fresher;
      }
      if (Date.now() > deadline) throw new RefreshLeaseTimeoutError(olaresId, this.waitMs);
      await new Promise((r) => setTimeout(r, 10 + Math.random() * 20));
    }
  }

  /** One /api/refresh, and one more after a pause if refused, only while the lease is still ours. */
  private askBox(record: TokenRecord, lease: RefreshLease, auth: AuthCallOptions) {
    const ask = () => {
      this.refreshCount++;
      return refreshGrant({ refreshToken: record.refreshToken!, accessToken: record.accessToken }, auth);
    };
    return ask().catch(async (err) => {
      if (!(err instanceof RefreshRejectedError)) throw err;
      log.debug(`refresh ${record.olaresId}: refused; one more try in ${this.rejectRetryMs} ms`);
      // Still holding the lease: it is renewed meanwhile, and says so if that failed.
      await new Promise((r) => setTimeout(r, this.rejectRetryMs));
      if (!lease.held) throw new LeaseLostError(record.olaresId);
      return ask();
    });
  }

  /** The lease went to someone else: their token, if written yet, else a retryable refusal. */
  private async afterLostLease(store: TokenStore, olaresId: string, stale: string): Promise<string> {
    const { fresher } = await this.readStored(store, olaresId, stale);
    if (fresher) return fresher;
    throw new LeaseLostError(olaresId);
  }
}

class LeaseLostError extends OlaresMcpError {
  constructor(olaresId: string) {
    super(
      `refresh of ${olaresId}: the refresh lock was lost while waiting for the box (another olares-mcp took it over); nothing was written. Calling again picks up that process's token`,
      { code: 'lock_lost', retryable: true },
    );
  }
}

class RefreshLeaseTimeoutError extends OlaresMcpError {
  constructor(olaresId: string, waitMs: number) {
    super(
      `refresh of ${olaresId}: another olares-mcp has held the refresh lock for more than ${Math.round(waitMs / 1000)} s. It may be stuck; calling again retries, and a dead holder's lock lapses by itself (OLARES_MCP_LOCK_STALE_MS)`,
      { code: 'lock_timeout', retryable: true },
    );
  }
}
