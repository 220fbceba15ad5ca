// The connect page of `serve --http --connect-port`: an agent whose token is not bound yet calls
// profile_login, the owner signs in on the page it links to, and from then on that token (and no
// other) is served. Built server, real MCP clients over Streamable HTTP, a test issuer, the
// simulator behind it; with redis-server installed, two replicas sharing one store.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyHttp } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ownerOf } from '../src/auth/connect.js';
import { FileSealedRecords } from '../src/auth/fileRecords.js';
import { AuthContext } from '../src/auth/index.js';
import { loadConfig } from '../src/config.js';
import { hiddenFields, type PageResponse, pageRequest, submitStep } from './helpers/browser.js';
import { startIssuer, type TestIssuer } from './helpers/issuer.js';
import { CLI, textOf } from './helpers/mcp.js';
import {
  freePort,
  newKey,
  type RedisServer,
  redisEnv,
  redisSkipReason,
  startRedis,
} from './helpers/redis.js';
import { makeBox, type TestBox } from './helpers/sim.js';

const OWNER = 'alice@olares.com';

interface Replica {
  url: string;
  connectBase: string;
  output: string[];
  stop(): Promise<void>;
}

async function startReplica(
  env: NodeJS.ProcessEnv,
  port: number,
  extra: string[] = ['--connect-port', '0'],
): Promise<Replica> {
  const args = [CLI, 'serve', '--http', '--port', String(port), ...extra];
  const child: ChildProcess = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout?.on('data', (d) => output.push(String(d)));
  const started = await new Promise<RegExpMatchArray>((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
      output.push(String(d));
      const m = stderr.match(/serving MCP on (http:\/\/\S+) .*?(?:connect page on (http:\/\/\S+))?\n/);
      if (m) resolve(m);
    });
    child.once('exit', (code) => reject(new Error(`serve --http exited (${code}): ${stderr}`)));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { url: started[1], connectBase: started[2] ?? '', output, stop };
}

async function client(url: string, token: string, capabilities: Record<string, unknown> = {}) {
  const c = new Client(
    { name: 'connect-test', version: '0' },
    { capabilities, versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  const headers = { authorization: `Bearer ${token}` };
  await c.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return c;
}

/** A tools/call posted by hand: the binding check answers before any MCP handshake matters. */
function rawCall(url: string, token: string, name: string) {
  return rawRequest(url, token, { method: 'tools/call', params: { name, arguments: {} } });
}

function rawRequest(url: string, token: string, message: { method: string; params?: unknown }) {
  return fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, ...message }),
  });
}

/** Types the password, then the TOTP code, on the page at `url`; keeps every page it saw. */
async function signIn(box: TestBox, url: string, seen: PageResponse[]): Promise<PageResponse> {
  const first = await submitStep(url, 'password', box.password(OWNER));
  seen.push(first);
  if (!first.html.includes('name="totp"')) return first;
  const second = await submitStep(url, 'totp', await box.totp(OWNER));
  seen.push(second);
  return second;
}

describe('serve --http --connect-port (file state)', () => {
  let box: TestBox;
  let issuer: TestIssuer;
  let replica: Replica;
  let replicaEnv: NodeJS.ProcessEnv;
  let resource: string;
  const sign = (sub: string) => issuer.sign({ sub, aud: resource, scope: 'olares.read olares.write' });

  beforeAll(async () => {
    box = await makeBox();
    issuer = await startIssuer();
    const port = await freePort();
    resource = `http://127.0.0.1:${port}/mcp`;
    replicaEnv = {
      ...box.env,
      OLARES_MCP_ISSUER: issuer.issuer,
      OLARES_MCP_RESOURCE: resource,
      OLARES_PROFILE: OWNER,
      OLARES_PROFILE_LOCK: '1',
    };
    replica = await startReplica(replicaEnv, port);
  });
  afterAll(async () => {
    await replica?.stop();
    await issuer?.close();
    await box?.close();
  });

  it('lets an unbound token log the owner in through the connect page, then serves that token only', async () => {
    const token = await sign('agent-a');
    const early = await client(replica.url, token);
    const names = (await early.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(['profile_list', 'profile_login']);
    const refused = await rawCall(replica.url, token, 'files_ls');
    expect(refused.status).toBe(403);
    expect(await refused.text()).toMatch(/may call only profile_login and profile_list .*call profile_login/);
    const otherMethod = await rawRequest(replica.url, token, { method: 'resources/list', params: {} });
    expect(otherMethod.status).toBe(403);
    expect(await otherMethod.text()).toContain('resources/list refused');

    const other: any = await early.callTool({
      name: 'profile_login',
      arguments: { olaresId: 'bob@olares.com' },
    });
    expect(other.isError).toBe(true);
    expect(textOf(other)).toMatch(/serves only its owner alice@olares\.com/);
    const login: any = await early.callTool({ name: 'profile_login', arguments: { olaresId: OWNER } });
    expect(login.isError, textOf(login)).toBeFalsy();
    expect(login.structuredContent).toMatchObject({ olaresId: OWNER, status: 'pending' });
    const link: string = login.structuredContent.loginUrl;
    expect(link.startsWith(`${replica.connectBase}/connect/`)).toBe(true);
    await early.close();

    const seen: PageResponse[] = [];
    const form = await pageRequest(link);
    seen.push(form);
    expect(form.status).toBe(200);
    expect(form.html).toContain(`Sign in to <b>${OWNER}</b>`);
    expect(form.html).toMatch(/agent signed in as <b>agent-a<\/b>/);
    const done = await signIn(box, link, seen);
    expect(done.status, done.html).toBe(200);
    expect(done.html).toContain('Connected');
    // The password never comes back: not on any page, not in the server's output.
    for (const page of seen) expect(page.html).not.toContain(box.password(OWNER));
    expect(replica.output.join('')).not.toContain(box.password(OWNER));

    const bound = await client(replica.url, token);
    const listed: any = await bound.callTool({ name: 'files_ls', arguments: { path: 'drive/Home' } });
    expect(listed.isError, textOf(listed)).toBeFalsy();
    expect(listed.structuredContent.items.length).toBeGreaterThan(0);
    await bound.close();
    expect((await rawCall(replica.url, await sign('agent-b'), 'files_ls')).status).toBe(403);

    // Single use: the finished link neither shows a form nor takes one.
    expect((await pageRequest(link)).status).toBe(410);
    const replay = new URLSearchParams({ ...hiddenFields(form.html), olaresId: OWNER, password: 'x' });
    expect((await pageRequest(link, { method: 'POST', body: replay.toString() })).status).toBe(410);
  });

  it('locks a link after 5 wrong passwords, and refuses a foreign Host, a cross-site post and a stale form', async () => {
    const token = await sign('agent-c');
    const c = await client(replica.url, token);
    const login: any = await c.callTool({ name: 'profile_login', arguments: { olaresId: OWNER } });
    await c.close();
    const link: string = login.structuredContent.loginUrl;
    expect((await pageRequest(link, { host: 'evil.example' })).status).toBe(403);
    const form = await pageRequest(link);
    const fields = { ...hiddenFields(form.html), olaresId: OWNER, password: 'wrong' };
    const crossSite = await pageRequest(link, {
      method: 'POST',
      body: new URLSearchParams(fields).toString(),
      origin: 'http://evil.example',
    });
    expect(crossSite.status).toBe(403);
    const stale = await pageRequest(link, {
      method: 'POST',
      body: new URLSearchParams({ ...fields, csrf: 'forged' }).toString(),
    });
    expect(stale.status).toBe(409);
    for (let attempt = 1; attempt < 5; attempt++) {
      const wrong = await submitStep(link, 'password', `wrong-${attempt}`);
      expect(wrong.status, `attempt ${attempt}`).toBe(401);
      expect(wrong.html).not.toContain(`wrong-${attempt}`);
    }
    const locked = await submitStep(link, 'password', 'wrong-5');
    expect(locked.status).toBe(429);
    expect(locked.html).toMatch(/locked after 5 failed attempts/);
    expect((await submitStep(link, 'password', box.password(OWNER))).status).toBe(410);
    expect((await rawCall(replica.url, token, 'files_ls')).status).toBe(403);
  });

  it('gives a 2025-era client (served statelessly) the link in the result', async () => {
    const legacy = new LegacyClient({ name: 'connect-legacy', version: '0' }, { capabilities: {} });
    const headers = { authorization: `Bearer ${await sign('agent-legacy')}` };
    await legacy.connect(new LegacyHttp(new URL(replica.url), { requestInit: { headers } }));
    const names = (await legacy.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(['profile_list', 'profile_login']);
    const login: any = await legacy.callTool({ name: 'profile_login', arguments: { olaresId: OWNER } });
    await legacy.close();
    expect(login.isError, textOf(login)).toBeFalsy();
    expect(login.structuredContent.loginUrl.startsWith(`${replica.connectBase}/connect/`)).toBe(true);
    expect(textOf(login)).toContain(login.structuredContent.loginUrl);
    expect((await pageRequest(login.structuredContent.loginUrl)).html).toMatch(/<b>agent-legacy<\/b>/);
  });

  it('expires a link after OLARES_LOGIN_TTL_MS, says how to bind without --connect-port, and needs the connect URL off loopback', async () => {
    const port = await freePort();
    const here = `http://127.0.0.1:${port}/mcp`;
    const env = { ...replicaEnv, OLARES_MCP_RESOURCE: here, OLARES_LOGIN_TTL_MS: '1500' };
    const token = await issuer.sign({ sub: 'agent-e', aud: here, scope: 'olares.read olares.write' });
    const short = await startReplica(env, port);
    const c = await client(short.url, token);
    const login: any = await c.callTool({ name: 'profile_login', arguments: { olaresId: OWNER } });
    await c.close();
    const link: string = login.structuredContent.loginUrl;
    expect((await pageRequest(link)).status).toBe(200);
    await expect
      .poll(async () => (await pageRequest(link)).status, { timeout: 10_000, interval: 250 })
      .toBe(410);
    await short.stop();

    const pageless = await startReplica(env, port, []);
    const p = await client(pageless.url, token);
    const refused: any = await p.callTool({ name: 'profile_login', arguments: { olaresId: OWNER } });
    await p.close();
    await pageless.stop();
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(
      /no connect page.*--connect-port.*olares-mcp remote bind --iss \S+ --sub agent-e/,
    );

    const offLoopback = { ...env, OLARES_MCP_RESOURCE: 'https://mcp.alice.olares.test/mcp' };
    await expect(startReplica(offLoopback, 0, ['--host', '0.0.0.0', '--connect-port', '0'])).rejects.toThrow(
      /needs the address people open the connect page at. Fix: set OLARES_MCP_CONNECT_URL/,
    );
  });

  it('hands the link out as a URL request to a 2026-07-28 client that declares URL mode', async () => {
    const token = await sign('agent-d');
    const c = await client(replica.url, token, { elicitation: { url: {} } });
    const asked: string[] = [];
    c.setRequestHandler('elicitation/create', async (request: any) => {
      asked.push(request.params.url);
      // The owner signs in on the page while the client holds the request.
      const seen: PageResponse[] = [];
      const done = await signIn(box, request.params.url, seen);
      expect(done.status, done.html).toBe(200);
      return { action: 'accept' };
    });
    const result: any = await c.callTool({ name: 'profile_login', arguments: { olaresId: OWNER } });
    await c.close();
    expect(asked).toHaveLength(1);
    expect(asked[0].startsWith(`${replica.connectBase}/connect/`)).toBe(true);
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ status: 'logged-in', olaresId: OWNER });
    const listed: any = await (await client(replica.url, token)).callTool({
      name: 'files_ls',
      arguments: { path: 'drive/Home' },
    });
    expect(listed.isError, textOf(listed)).toBeFalsy();
  });
});

describe.skipIf(redisSkipReason)('serve --http --connect-port (two replicas, one Redis)', () => {
  let box: TestBox;
  let issuer: TestIssuer;
  let redis: RedisServer;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    box = await makeBox();
    issuer = await startIssuer();
    redis = await startRedis();
  });
  afterEach(async () => {
    for (const r of replicas.splice(0)) await r.stop();
  });
  afterAll(async () => {
    await issuer?.close();
    await redis?.stop();
    await box?.close();
  });

  it('serves one link through either replica: the form on one, the password on it, the code on the other', async () => {
    const port = await freePort();
    const resource = `http://127.0.0.1:${port}/mcp`;
    const keys = { OLARES_MCP_TOKEN_KEY: newKey(), OLARES_MCP_STATE_KEY: newKey() };
    const env = redisEnv(redis, {
      ...box.env,
      ...keys,
      OLARES_REDIS_PREFIX: `connect-${port}:`,
      OLARES_MCP_ISSUER: issuer.issuer,
      OLARES_MCP_RESOURCE: resource,
      OLARES_PROFILE: OWNER,
      OLARES_PROFILE_LOCK: '1',
    });
    replicas.push(await startReplica(env, port));
    replicas.push(await startReplica(env, await freePort()));
    const [one, two] = replicas;
    const token = await issuer.sign({ sub: 'agent-r', aud: resource, scope: 'olares.read olares.write' });
    const c = await client(one.url, token);
    const login: any = await c.callTool({ name: 'profile_login', arguments: { olaresId: OWNER } });
    await c.close();
    const link: string = login.structuredContent.loginUrl;
    // The store holds the record sealed under a hash: neither the link's id nor the owner in clear.
    const store = new Redis({ host: redis.host, port: redis.port, password: redis.password });
    const linkId = link.split('/connect/')[1];
    const stored = await store.keys('*');
    const values = await Promise.all(stored.map((k) => store.getBuffer(k)));
    await store.quit();
    expect(stored.some((k) => k.includes('pending'))).toBe(true);
    for (const text of [...stored, ...values.map(String)]) {
      expect(text).not.toContain(linkId);
      expect(text).not.toContain('agent-r');
    }
    const viaTwo = link.replace(one.connectBase, two.connectBase);
    expect(viaTwo).not.toBe(link);
    const first = await submitStep(viaTwo, 'password', box.password(OWNER));
    expect(first.html).toContain('name="totp"');
    const done = await submitStep(link, 'totp', await box.totp(OWNER));
    expect(done.status, done.html).toBe(200);
    expect((await pageRequest(viaTwo)).status).toBe(410);
    // Bound in the store: the same token is served through the replica that never saw the call.
    const onTwo = await client(two.url, token);
    const listed: any = await onTwo.callTool({ name: 'files_ls', arguments: { path: 'drive/Home' } });
    expect(listed.isError, textOf(listed)).toBeFalsy();
    await onTwo.close();
  });
});

describe('the owner, the connect URL and the file home records', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'olares-mcp-connect-'));
  });
  afterAll(() => rm(home, { recursive: true, force: true }));

  it('takes the owner from the pinned environment only, as deploy/olares sets it', async () => {
    const owner = (env: NodeJS.ProcessEnv) => ownerOf(new AuthContext({ OLARES_MCP_HOME: home, ...env }));
    await expect(owner({ OLARES_PROFILE: OWNER, OLARES_PROFILE_LOCK: '1' })).resolves.toEqual({
      olaresId: OWNER,
    });
    // The chart's values: the box's user name and the gateway hosts of that user's zone.
    const chart = { OLARES_PROFILE: 'alice', OLARES_PROFILE_LOCK: 'on' };
    await expect(
      owner({ ...chart, OLARES_URL_TEMPLATE: 'https://{service}.alice.olares.com' }),
    ).resolves.toEqual({ olaresId: OWNER, name: 'alice' });
    await expect(
      owner({ ...chart, OLARES_URL_TEMPLATE: 'https://{service}.bob.olares.com' }),
    ).rejects.toThrow(/neither an olaresId, a profile, nor the user/);
    await expect(owner({ OLARES_PROFILE: OWNER })).rejects.toThrow(/OLARES_PROFILE_LOCK is off/);
    await expect(owner({ OLARES_PROFILE_LOCK: '1' })).rejects.toThrow(/OLARES_PROFILE is not set/);
  });

  it('parses OLARES_MCP_CONNECT_URL as an origin and refuses anything else', () => {
    expect(loadConfig({ OLARES_MCP_CONNECT_URL: 'https://connect.alice.olares.com' }).mcpConnectUrl).toBe(
      'https://connect.alice.olares.com',
    );
    expect(loadConfig({}).mcpConnectUrl).toBeUndefined();
    for (const [value, message] of [
      ['https://connect.alice.olares.com/connect', /has a path/],
      ['http://connect.alice.olares.com', /neither https nor http on loopback/],
      ['https://connect.alice.olares.com/?a=1', /query or fragment/],
      ['connect.alice.olares.com', /is not a URL/],
    ] as const)
      expect(() => loadConfig({ OLARES_MCP_CONNECT_URL: value }), value).toThrow(message);
  });

  it('gives a file home record to exactly one of many takers, sealed on disk', async () => {
    const key = new Uint8Array(32).fill(7);
    const records = new FileSealedRecords<{ secret: string }>(home, 'pending', async () => key);
    await records.put('record-one', { secret: 'first-factor-cookie' }, 60_000);
    const files = await readdir(join(home, 'records'));
    expect(files).toEqual(['pending-record-one.json']);
    expect(await readFile(join(home, 'records', files[0]), 'utf8')).not.toContain('first-factor-cookie');
    const taken = await Promise.all(Array.from({ length: 8 }, () => records.take('record-one')));
    expect(taken.filter(Boolean)).toEqual([{ secret: 'first-factor-cookie' }]);
    expect(await records.get('record-one')).toBeUndefined();
    await records.put('record-two', { secret: 'x' }, 1);
    await expect.poll(() => records.get('record-two')).toBeUndefined();
  });
});
