// One connection to the shared store (OLARES_STATE=redis) and the errors it can end in.
// On a box the store is a Redis-compatible namespace: AUTH with a password only (no user name),
// no SELECT, no pub/sub, no keyspace notifications. This server relies on these commands only:
// AUTH (sent by the client on connect), GET, SET with NX and PX, DEL, PEXPIRE, and EVAL of short
// scripts that themselves call only GET, SET, DEL and PEXPIRE on the keys they are given.
// No MULTI/WATCH, no SCAN, no INFO (the client's ready check is off), no CLIENT SETINFO.
import type { Redis } from 'ioredis';
import { OlaresMcpError } from '../../errors.js';
import { log } from '../../log.js';

export interface StoreEndpoint {
  host: string;
  port: number;
  password?: string;
  prefix: string;
}

/** The store cannot be reached (down, restarting, network): calls fail fast until it is back. */
export class StateStoreUnavailableError extends OlaresMcpError {
  constructor(where: string, cause: string) {
    super(
      `the state store at ${where} is unreachable: ${cause}; calls fail until it is back (the server reconnects by itself)`,
      { code: 'state_store_unavailable', retryable: true },
    );
  }
}

/** The store refused our password: nothing will work until the configuration is fixed. */
export class StateStoreAuthError extends OlaresMcpError {
  constructor(where: string, cause: string) {
    super(
      `the state store at ${where} refused to let this server in: ${cause}. Fix: set OLARES_REDIS_PASSWORD to the store's password (on a box, the injected .Values.redis.password)`,
      { code: 'state_store_auth' },
    );
  }
}

/** Anything else the store answered with (a script error, a full store): named, never hidden. */
export class StateStoreError extends OlaresMcpError {
  constructor(where: string, cause: string) {
    super(`the state store at ${where} answered with an error: ${cause}`, { code: 'state_store_error' });
  }
}

const AUTH_FAILURE = /WRONGPASS|NOAUTH|invalid password|AUTH failed|invalid username-password/i;
const UNREACHABLE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|max retries|timed out|Connection is closed|isn't writeable|LOADING|connect/i;

export interface StoreTimings {
  /** Longest a single command may take before the call fails (never hang a tool call). */
  commandTimeoutMs: number;
  connectTimeoutMs: number;
}

export const DEFAULT_TIMINGS: StoreTimings = { commandTimeoutMs: 3000, connectTimeoutMs: 2000 };

/** Every store with a connection, so a one-shot command can drop them all when it is done. */
const connected = new Set<StateStore>();

/** Closes every store connection of this process (its reconnection timers would keep it alive). */
export async function closeStateStores(): Promise<void> {
  await Promise.all([...connected].map((store) => store.close()));
}

export class StateStore {
  readonly where: string;
  private client?: Promise<Redis>;
  /** The latest connection problem, shown instead of the client's generic "max retries". */
  private lastProblem?: string;
  private inflight = 0;

  constructor(
    readonly endpoint: StoreEndpoint,
    private readonly timings: StoreTimings = DEFAULT_TIMINGS,
  ) {
    this.where = `${endpoint.host}:${endpoint.port}`;
  }

  /** A key in this server's namespace. */
  key(...parts: string[]): string {
    return `${this.endpoint.prefix}${parts.join(':')}`;
  }

  /** Runs one command (or script), turning every failure into one of the errors above. */
  async run<T>(command: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = await this.connect();
    this.inflight++;
    redis.stream?.ref();
    try {
      return await command(redis);
    } catch (err) {
      throw this.classify(err);
    } finally {
      if (--this.inflight === 0) redis.stream?.unref();
    }
  }

  async eval(script: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    return this.run((r) => r.eval(script, keys.length, ...keys, ...args));
  }

  private classify(err: unknown): OlaresMcpError {
    if (err instanceof OlaresMcpError) return err;
    const message = (err as Error)?.message ?? String(err);
    if (AUTH_FAILURE.test(message) || AUTH_FAILURE.test(this.lastProblem ?? ''))
      return new StateStoreAuthError(this.where, message);
    const name = (err as Error)?.name ?? '';
    if (UNREACHABLE.test(message) || name === 'MaxRetriesPerRequestError')
      return new StateStoreUnavailableError(this.where, this.lastProblem ?? message);
    return new StateStoreError(this.where, message);
  }

  /** ioredis is loaded on first use: the file home never pays for it. */
  private connect(): Promise<Redis> {
    connected.add(this);
    this.client ??= import('ioredis').then((mod) => {
      // Bundled, the CommonJS module arrives as `default` only.
      const RedisClient = mod.Redis ?? (mod.default as unknown as typeof mod).Redis ?? mod.default;
      const redis = new RedisClient({
        host: this.endpoint.host,
        port: this.endpoint.port,
        password: this.endpoint.password,
        lazyConnect: true,
        enableReadyCheck: false,
        disableClientInfo: true,
        // Commands issued in one tick (concurrent calls each reading a record) go out in one
        // write: a write to the socket was a tenth of a replica's CPU per call. No MULTI: a
        // pipeline is only batching, each command stands alone.
        enableAutoPipelining: true,
        // A command issued while disconnected waits for one reconnection attempt, then fails;
        // commandTimeout bounds the rest.
        maxRetriesPerRequest: 1,
        commandTimeout: this.timings.commandTimeoutMs,
        connectTimeout: this.timings.connectTimeoutMs,
        retryStrategy: (attempt) => Math.min(50 * attempt, 1000),
      });
      redis.on('error', (err: Error) => {
        if (this.lastProblem !== err.message) log.debug(`state store ${this.where}: ${err.message}`);
        this.lastProblem = err.message;
      });
      redis.on('ready', () => {
        this.lastProblem = undefined;
      });
      // An idle connection never keeps a process alive (a CLI command ends when its work does);
      // a command in flight does.
      redis.on('connect', () => {
        if (this.inflight === 0) redis.stream?.unref();
      });
      return redis;
    });
    return this.client;
  }

  async close(): Promise<void> {
    connected.delete(this);
    const client = this.client;
    this.client = undefined;
    if (client) (await client).disconnect();
  }
}
