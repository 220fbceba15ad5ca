// The Olares simulator: one HTTP server on loopback that behaves like an Olares box for tests,
// benchmarks and the demo. Services register their routes here (sim/auth.ts, sim/files/, ...).
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type JWTPayload, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { registerAuth } from './auth.js';
import { registerCluster } from './cluster.js';
import { registerDashboard } from './dashboard.js';
import { registerFiles } from './files/index.js';
import { type Handler, matchPattern, type Route, type Service, type SimRequest, sendJson } from './http.js';
import { registerMarket } from './market.js';
import { registerSettings } from './settings.js';
import { demoUsers, makeUser, randomToken, type SimUser, type SimUserSpec } from './users.js';

export interface SimOptions {
  port?: number;
  /** Seconds an access token lives (default 3600). */
  accessTokenTtlSec?: number;
  users?: SimUserSpec[];
  /** Directory that holds every user's files (default: a fresh temp dir). */
  filesRoot?: string;
  /** `osVersion` reported by desktop /api/olares-info; decides the market request body shape. */
  osVersion?: string;
  /** Milliseconds per market state-machine step (default 300). */
  marketStepMs?: number;
  /** When false, /api/refresh keeps the same refresh token (default true: rotate on every call). */
  rotateRefreshTokens?: boolean;
  /** Seconds past `exp` the box still takes an access token (its clock runs behind; default 0). */
  clockToleranceSec?: number;
  /** Nodes of the files backend (default: a master `olares` and a worker `olares-worker`). */
  filesNodes?: Array<{ name: string; master: boolean }>;
  /**
   * Whether only the master's files pod takes drive/sync uploads. Unconfirmed on a real box
   * (unconfirmed: docs/wire/files.md), so the simulator offers both; default false.
   */
  driveUploadNeedsMaster?: boolean;
  /** `random` (default) as the real /api/nodes/ iterates a Go map; `listed` keeps filesNodes' order. */
  filesNodeOrder?: 'random' | 'listed';
  /**
   * Every protected route takes only the auth_token cookie. Which header the files app's own
   * entrance reads on the envoy gateway is unconfirmed (unconfirmed: docs/wire/files.md); default false.
   */
  cookieOnlyEverywhere?: boolean;
  /**
   * HTTP status of a failed install check: 500 (default) is the public market wrapping the
   * app-service answer in its task envelope; 422 stands for a newer backend passing it through
   * (docs/wire/market.md, docs/wire/cluster.md M1: unconfirmed, so the client must handle both).
   */
  marketCheckStatus?: 500 | 422;
  /** Send `raw_data` in POST /apps (the Redis-backed market of 1.12.5/1.12.6); default false (market main). */
  marketRawData?: boolean;
}

export interface Fault {
  /** Service and route pattern (as registered) or a RegExp tested against `METHOD /service/path`. */
  match: string | RegExp;
  /** ignoreRange: answer as a server without Range support would (200 and the whole body). */
  kind: 'latency' | 'status' | 'drop' | 'dropAfterBytes' | 'ignoreRange';
  /** latency: ms to wait before handling. */
  ms?: number;
  /** latency: wait for this instead of `ms`, so a test holds a request open exactly as long as it needs. */
  until?: Promise<unknown>;
  /** status: code to answer with. */
  status?: number;
  /** status: the JSON body to answer with (default: a KO envelope naming the fault). */
  body?: unknown;
  /** dropAfterBytes: destroy the connection once this many response-body bytes went out. */
  bytes?: number;
  /** How many requests it hits (default: every request until cleared). */
  times?: number;
  /** Let this many matching requests through before the fault starts hitting. */
  skip?: number;
  /** Only requests this says yes to (e.g. one file's chunk, told by its headers); in-process only. */
  when?: (req: import('node:http').IncomingMessage) => boolean;
}

interface RefreshGrant {
  user: SimUser;
  sessionId: string;
}

export class Simulator {
  readonly users = new Map<string, SimUser>();
  readonly specs: SimUserSpec[];
  readonly options: Required<Omit<SimOptions, 'port' | 'users' | 'filesRoot'>> & { filesRoot?: string };
  /** Request counts keyed by `METHOD /service<route pattern>`, e.g. `POST /auth/api/refresh`. */
  readonly counters = new Map<string, number>();
  /** Request bodies that handlers choose to expose, so tests can assert the wire shape. */
  readonly journal: Array<{ key: string; user: string; body: unknown }> = [];
  /** The Range header of every routed request that carried one, in arrival order (resume tests). */
  readonly ranges: Array<{ key: string; range: string }> = [];
  private readonly routes: Route[] = [];
  private faults: Fault[] = [];
  // Imported once: handed raw bytes, jose imports a WebCrypto key on every verify, which was a
  // fifth of the simulator's CPU per upload chunk.
  private readonly jwtKey = crypto.subtle.importKey(
    'raw',
    randomBytes(32),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
  private readonly refreshGrants = new Map<string, RefreshGrant>();
  private readonly revokedJti = new Set<string>();
  private readonly verifiedTokens = new Map<string, JWTPayload>();
  private readonly sockets = new Set<Socket>();
  private readonly closers: Array<() => Promise<void> | void> = [];
  server!: Server;
  url = '';

  constructor(opts: SimOptions = {}) {
    this.specs = opts.users ?? demoUsers();
    for (const spec of this.specs) this.users.set(spec.olaresId, makeUser(spec));
    this.options = {
      accessTokenTtlSec: opts.accessTokenTtlSec ?? 3600,
      osVersion: opts.osVersion ?? '1.12.6',
      marketStepMs: opts.marketStepMs ?? 300,
      rotateRefreshTokens: opts.rotateRefreshTokens ?? true,
      clockToleranceSec: opts.clockToleranceSec ?? 0,
      filesNodes: opts.filesNodes ?? [
        { name: 'olares', master: true },
        { name: 'olares-worker', master: false },
      ],
      driveUploadNeedsMaster: opts.driveUploadNeedsMaster ?? false,
      filesNodeOrder: opts.filesNodeOrder ?? 'random',
      cookieOnlyEverywhere: opts.cookieOnlyEverywhere ?? false,
      marketCheckStatus: opts.marketCheckStatus ?? 500,
      marketRawData: opts.marketRawData ?? false,
      filesRoot: opts.filesRoot,
    };
  }

  /** The OLARES_URL_TEMPLATE that points olares-mcp at this simulator. */
  get urlTemplate(): string {
    return `${this.url}/{service}`;
  }

  route(
    service: Service,
    method: string,
    pattern: string,
    handler: Handler,
    opts: { auth?: boolean | 'cookie' } = {},
  ) {
    this.routes.push({ service, method, pattern, handler, auth: opts.auth ?? true });
  }

  /** Every endpoint key this box serves, `METHOD /service<pattern>` as `counters` spells it. */
  routeKeys(): string[] {
    return this.routes.map((r) => `${r.method} /${r.service}${r.pattern}`);
  }

  onClose(fn: () => Promise<void> | void) {
    this.closers.push(fn);
  }

  private readonly pendingWork = new Set<Promise<void>>();
  private readonly pendingTimers = new Set<NodeJS.Timeout>();

  /**
   * Work a task does after its request was answered (a paste, an archive). close() drops what has
   * not started and waits for what has, so no file lands after the simulator is gone.
   */
  later(ms: number, work: () => Promise<void>) {
    const timer = setTimeout(() => {
      this.pendingTimers.delete(timer);
      const running = work().finally(() => this.pendingWork.delete(running));
      this.pendingWork.add(running);
    }, ms);
    timer.unref();
    this.pendingTimers.add(timer);
  }

  count(key: string): number {
    return this.counters.get(key) ?? 0;
  }

  /** Requests refused for their access token, over every route. */
  refusals(): number {
    let n = 0;
    for (const [key, value] of this.counters) if (key.endsWith(' 401')) n += value;
    return n;
  }

  resetCounters() {
    this.counters.clear();
    this.ranges.length = 0;
  }

  addFault(fault: Fault) {
    this.faults.push({ ...fault });
  }

  clearFaults() {
    this.faults = [];
  }

  // ---- tokens -------------------------------------------------------------------------------

  /** `stage: '1fa'` marks a first-factor token of a 2FA account: good only for the TOTP step. */
  async issueAccessToken(
    user: SimUser,
    opts: { ttlSec?: number; stage?: '1fa' | 'full' } = {},
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const ttlSec = opts.ttlSec ?? this.options.accessTokenTtlSec;
    return new SignJWT({
      username: user.local,
      groups: [user.role],
      mfa: opts.stage === '1fa' ? 0 : 1,
      stage: opts.stage ?? 'full',
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.local)
      .setIssuer('olares-sim')
      .setJti(randomBytes(8).toString('hex'))
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSec)
      .sign(await this.jwtKey);
  }

  issueRefreshToken(user: SimUser, sessionId: string): string {
    const token = randomToken('rt-');
    this.refreshGrants.set(token, { user, sessionId });
    return token;
  }

  /** Consumes a refresh token (rotation) and returns its grant, or undefined when unknown/revoked. */
  takeRefreshGrant(token: string): RefreshGrant | undefined {
    const grant = this.refreshGrants.get(token);
    if (grant && this.options.rotateRefreshTokens) this.refreshGrants.delete(token);
    return grant;
  }

  /** Kills every refresh grant of a user: the next /api/refresh answers 401. */
  revokeRefreshTokens(olaresId: string) {
    for (const [token, grant] of this.refreshGrants) {
      if (grant.user.olaresId === olaresId) this.refreshGrants.delete(token);
    }
  }

  async verifyAccessToken(
    token: string,
    stage: '1fa' | 'full' = 'full',
  ): Promise<SimUser | 'expired' | 'invalid'> {
    const payload = await this.verifiedClaims(token);
    if (payload === 'expired' || payload === 'invalid') return payload;
    if (payload.jti && this.revokedJti.has(payload.jti)) return 'invalid';
    if (payload.stage !== stage) return 'invalid';
    const user = [...this.users.values()].find((u) => u.local === payload.sub);
    return user ?? 'invalid';
  }

  /**
   * A token's claims once its signature and issuer checked out. A token string whose signature
   * was checked once is remembered (a client sends the same one with every request: the HMAC
   * was most of the simulator's CPU per small upload); its expiry is checked on every use, as
   * jose checks it.
   */
  private async verifiedClaims(token: string): Promise<JWTPayload | 'expired' | 'invalid'> {
    const known = this.verifiedTokens.get(token);
    if (known) {
      const now = Math.floor(Date.now() / 1000);
      const expired = typeof known.exp === 'number' && known.exp <= now - this.options.clockToleranceSec;
      return expired ? 'expired' : known;
    }
    try {
      const { payload } = await jwtVerify(token, await this.jwtKey, {
        issuer: 'olares-sim',
        clockTolerance: this.options.clockToleranceSec,
      });
      if (this.verifiedTokens.size >= 1024) this.verifiedTokens.clear();
      this.verifiedTokens.set(token, payload);
      return payload;
    } catch (err) {
      return err instanceof joseErrors.JWTExpired ? 'expired' : 'invalid';
    }
  }

  revokeAccessToken(token: string) {
    const jti = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString() || '{}').jti;
    if (jti) this.revokedJti.add(jti);
  }

  userById(olaresId: string): SimUser | undefined {
    return this.users.get(olaresId);
  }

  userByLocal(local: string): SimUser | undefined {
    return [...this.users.values()].find((u) => u.local === local);
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  async start(port = 0): Promise<this> {
    registerAuth(this);
    registerFiles(this);
    registerMarket(this);
    registerCluster(this);
    registerDashboard(this);
    registerSettings(this);
    this.server = createServer((req, res) => {
      this.dispatch(req, res).catch((err) => {
        if (!res.headersSent)
          sendJson(res, 500, { status: 'KO', message: `simulator error: ${err?.message}` });
        else res.destroy();
      });
    });
    this.server.keepAliveTimeout = 30_000;
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    const { port: actual } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${actual}`;
    return this;
  }

  async close() {
    for (const timer of this.pendingTimers) clearTimeout(timer);
    this.pendingTimers.clear();
    await Promise.allSettled([...this.pendingWork]);
    for (const fn of this.closers) await fn();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async dispatch(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    if (url.pathname.startsWith('/__sim/')) return this.control(method, url, req, res);
    const slash = url.pathname.indexOf('/', 1);
    const service = (slash < 0 ? url.pathname.slice(1) : url.pathname.slice(1, slash)) as Service;
    const path = slash < 0 ? '/' : url.pathname.slice(slash);
    for (const route of this.routes) {
      if (route.service !== service || (route.method !== method && route.method !== '*')) continue;
      const params = matchPattern(route.pattern, path);
      if (!params) continue;
      const key = `${method} /${service}${route.pattern}`;
      this.counters.set(key, (this.counters.get(key) ?? 0) + 1);
      if (req.headers.range) this.ranges.push({ key, range: req.headers.range });
      const fault = this.takeFault(key, req);
      if (fault?.kind === 'ignoreRange') delete req.headers.range;
      if (fault?.kind === 'latency')
        await (fault.until ?? new Promise((r) => setTimeout(r, fault.ms ?? 1000)));
      if (fault?.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'status') {
        sendJson(
          res,
          fault.status ?? 500,
          fault.body ?? { status: 'KO', message: `injected fault: HTTP ${fault.status ?? 500}` },
        );
        return;
      }
      if (fault?.kind === 'dropAfterBytes') this.armDropAfter(res, fault.bytes ?? 0);
      const r: SimRequest = { req, res, service, method, path, url, params };
      if (route.auth && !(await this.requireUser(r, route.auth === 'cookie'))) {
        // Tests assert that no streaming body was ever spent on a refused token.
        this.counters.set(`${key} 401`, (this.counters.get(`${key} 401`) ?? 0) + 1);
        return;
      }
      await route.handler(r);
      return;
    }
    sendJson(res, 404, {
      status: 'KO',
      code: 404,
      message: `simulator: no route for ${method} ${url.pathname}`,
    });
  }

  private takeFault(key: string, req: import('node:http').IncomingMessage): Fault | undefined {
    const idx = this.faults.findIndex(
      (f) =>
        (typeof f.match === 'string' ? key.endsWith(f.match) || key === f.match : f.match.test(key)) &&
        (!f.when || f.when(req)),
    );
    if (idx < 0) return undefined;
    const fault = this.faults[idx];
    if (fault.skip && fault.skip > 0) {
      fault.skip--;
      return undefined;
    }
    if (fault.times !== undefined && --fault.times <= 0) this.faults.splice(idx, 1);
    return fault;
  }

  private armDropAfter(res: import('node:http').ServerResponse, limit: number) {
    let sent = 0;
    const write = res.write.bind(res) as (...a: any[]) => boolean;
    (res as any).write = (chunk: any, ...rest: any[]) => {
      const len = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      if (sent + len > limit) {
        const part = Buffer.from(chunk).subarray(0, Math.max(0, limit - sent));
        sent = limit;
        // Destroy only once the partial bytes left: destroy() would discard unflushed data.
        write(part, () => res.socket?.destroy());
        return false;
      }
      sent += len;
      return write(chunk, ...rest);
    };
  }

  /** Checks X-Authorization (or the auth_token cookie) and answers 401 JSON when it fails. */
  async requireUser(r: SimRequest, cookieOnly = false): Promise<boolean> {
    const header =
      cookieOnly || this.options.cookieOnlyEverywhere ? undefined : r.req.headers['x-authorization'];
    const cookie = /(?:^|;\s*)auth_token=([^;]+)/.exec(r.req.headers.cookie ?? '')?.[1];
    const token = (Array.isArray(header) ? header[0] : header) || cookie;
    if (!token) {
      sendJson(r.res, 401, { status: 'KO', code: 401, message: 'missing access token' });
      return false;
    }
    const user = await this.verifyAccessToken(token);
    if (user === 'expired' || user === 'invalid') {
      sendJson(r.res, 401, { status: 'KO', code: 401, message: `access token ${user}` });
      return false;
    }
    r.user = user;
    return true;
  }

  /** Control API for tests and benchmarks in other processes (never exposed by a real box). */
  private async control(
    method: string,
    url: URL,
    req: import('node:http').IncomingMessage,
    res: import('node:http').ServerResponse,
  ) {
    const { readJson } = await import('./http.js');
    switch (`${method} ${url.pathname}`) {
      case 'GET /__sim/counters':
        return sendJson(res, 200, Object.fromEntries(this.counters));
      case 'POST /__sim/reset':
        this.resetCounters();
        this.clearFaults();
        return sendJson(res, 200, { ok: true });
      case 'POST /__sim/faults': {
        const body = (await readJson<Fault & { regex?: string }>(req)) ?? ({} as Fault & { regex?: string });
        this.addFault({ ...body, match: body.regex ? new RegExp(body.regex) : body.match });
        return sendJson(res, 200, { ok: true });
      }
      case 'POST /__sim/revoke': {
        const body = await readJson<{ olaresId: string }>(req);
        this.revokeRefreshTokens(body?.olaresId ?? '');
        return sendJson(res, 200, { ok: true });
      }
      case 'GET /__sim/totp': {
        const { generate } = await import('otplib');
        const user = this.userById(url.searchParams.get('olaresId') ?? '');
        if (!user?.totpSecret) return sendJson(res, 404, { error: 'no such 2FA user' });
        return sendJson(res, 200, { code: await generate({ secret: user.totpSecret }) });
      }
      default:
        return sendJson(res, 404, { error: 'unknown control endpoint' });
    }
  }
}

export async function startSimulator(opts: SimOptions = {}): Promise<Simulator> {
  return new Simulator(opts).start(opts.port ?? 0);
}
