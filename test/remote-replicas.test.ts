// Remote mode on this machine as a box would run it (issue 15 item 6): three `serve --http`
// replicas sharing one private redis-server (appendonly, fsync always, a password), behind a
// round-robin proxy that ejects a dead replica, bearer tokens from a test issuer, the simulator
// as the box. What a real cluster and the box's own store would add is not tested here.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIssuer, type TestIssuer } from './helpers/issuer.js';
import { textOf } from './helpers/mcp.js';
import { newKey, type RedisServer, redisEnv, redisSkipReason, startRedis } from './helpers/redis.js';
import { type ReplicaSet, startReplicaSet } from './helpers/replicas.js';
import { makeBox, type TestBox } from './helpers/sim.js';
import { eventually } from './helpers/wait.js';

const REVISION = '2026-07-28';
const REFRESH = 'POST /auth/api/refresh';
const ID = 'bob@olares.com';
const LS = { path: 'drive/Home' };

/** One JSON-RPC tools/call over Streamable HTTP as a 2026-07-28 client sends it, by hand. */
async function rawCall(
  url: string,
  token: string,
  name: string,
  args: Record<string, unknown>,
  retry: Record<string, unknown> = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const _meta = {
    'io.modelcontextprotocol/protocolVersion': REVISION,
    'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } },
    'io.modelcontextprotocol/clientInfo': { name: 'replicas-test', version: '0' },
  };
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': REVISION,
      'mcp-method': 'tools/call',
      'mcp-name': name,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name, arguments: args, ...retry, _meta },
    }),
  });
  const text = await response.text();
  let body: any = text;
  if (response.headers.get('content-type')?.includes('text/event-stream')) {
    const messages = text
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => JSON.parse(l.slice(5)));
    body = messages.find((m) => m.id === 1);
  } else if (text) body = JSON.parse(text);
  return { status: response.status, headers: response.headers, body };
}

async function client(url: string, token: string): Promise<Client> {
  const c = new Client(
    { name: 'replicas-test', version: '0' },
    { versionNegotiation: { mode: { pin: REVISION } } },
  );
  await c.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return c;
}

/** A files_ls that resolves to what happened instead of throwing. */
async function listed(c: Client): Promise<{ ok: boolean; error?: string }> {
  try {
    const r: any = await c.callTool({ name: 'files_ls', arguments: LS });
    return r.isError ? { ok: false, error: textOf(r) } : { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

describe.skipIf(redisSkipReason)('remote mode: 3 replicas, one store, a round-robin proxy', () => {
  let redis: RedisServer;
  let box: TestBox;
  let issuer: TestIssuer;
  let set: ReplicaSet;
  let writer: string;
  let reader: string;
  const keys = { OLARES_MCP_TOKEN_KEY: newKey(), OLARES_MCP_STATE_KEY: newKey() };
  const bind = (sub: string) => box.auth.state.principals.bindPrincipal({ iss: issuer.issuer, sub });

  beforeAll(async () => {
    redis = await startRedis();
    issuer = await startIssuer();
    box = await makeBox({ env: redisEnv(redis, keys) });
    await box.login(ID);
    set = await startReplicaSet(3, (endpoint) => ({
      ...box.env,
      OLARES_MCP_ISSUER: issuer.issuer,
      OLARES_MCP_RESOURCE: endpoint,
      // The per-principal rate (20/s by default) is not under test here; the bursts are.
      OLARES_MCP_RATE_PER_SECOND: '10000',
    }));
    await bind('agent-1');
    writer = await issuer.sign({ sub: 'agent-1', aud: set.url, scope: 'olares.read olares.write' });
    reader = await issuer.sign({ sub: 'agent-1', aud: set.url, scope: 'olares.read' });
  }, 60_000);
  afterAll(async () => {
    await set?.close();
    await box?.auth.state.close();
    await box?.close();
    await issuer?.close();
    await redis?.stop();
  });

  it('8 clients x 20 calls on an expired Olares token: exactly one /api/refresh, no failed call', async () => {
    const store = await box.auth.stores.forWrite();
    expect(store.backend).toBe('redis');
    const record = (await store.get(ID))!;
    const expired = await box.sim.issueAccessToken(box.sim.userById(ID)!, { ttlSec: -5 });
    await store.set({ ...record, accessToken: expired });
    // A slow refresh: the other replicas must find the lease taken and wait for the new record.
    box.sim.addFault({ match: REFRESH, kind: 'latency', ms: 1500, times: 1 });
    const before = box.sim.count(REFRESH);
    const clients = await Promise.all(Array.from({ length: 8 }, () => client(set.url, writer)));
    try {
      const results = await Promise.all(clients.flatMap((c) => Array.from({ length: 20 }, () => listed(c))));
      expect(results.filter((r) => !r.ok)).toEqual([]);
      expect(results).toHaveLength(160);
      expect(box.sim.count(REFRESH) - before).toBe(1);
      // All three took part: the refresh was shared, not served by one replica alone.
      expect(set.proxy.stats.served.every((n) => n > 0)).toBe(true);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      box.sim.clearFaults();
    }
  });

  it('a confirmation asked through one replica completes through another; its replay is asked again', async () => {
    const [first, second, third] = set.replicas.map((r) => r.url);
    const made = await rawCall(first, writer, 'files_mkdir', { path: 'drive/Home/Across' });
    expect(made.body.result?.isError, JSON.stringify(made.body)).toBeFalsy();
    const args = { paths: ['drive/Home/Across'], recursive: true };
    const asked = await rawCall(first, writer, 'files_rm', args);
    expect(asked.body.result.resultType).toBe('input_required');
    const [key] = Object.keys(asked.body.result.inputRequests);
    const answer = {
      inputResponses: { [key]: { action: 'accept', content: { confirm: true } } },
      requestState: asked.body.result.requestState,
    };
    const done = await rawCall(second, writer, 'files_rm', args, answer);
    expect(done.body.result.resultType, JSON.stringify(done.body)).toBe('complete');
    expect(done.body.result.structuredContent).toMatchObject({ confirmed: true });
    const names = async () => {
      const r = await rawCall(third, writer, 'files_ls', LS);
      return r.body.result.structuredContent.items.map((i: any) => i.name);
    };
    expect(await names()).not.toContain('Across');
    // The same answer again, on the third replica: the id was used up in the store.
    await rawCall(third, writer, 'files_mkdir', { path: 'drive/Home/Across' });
    const replay = await rawCall(third, writer, 'files_rm', args, answer);
    expect(replay.body.result.resultType).toBe('input_required');
    expect(await names()).toContain('Across');
  });

  it('a replica killed mid-burst: only its in-flight calls fail, and they succeed when retried', async () => {
    // Slow listings keep calls in flight on every replica when one dies.
    box.sim.addFault({ match: /^GET \/files\/api\/resources/, kind: 'latency', ms: 150 });
    const clients = await Promise.all(Array.from({ length: 8 }, () => client(set.url, reader)));
    const victim = set.replicas[2];
    const calls: { start: number; end: number; ok: boolean; error?: string }[] = [];
    let stop = false;
    const loop = async (c: Client) => {
      while (!stop) {
        const start = performance.now();
        const r = await listed(c);
        calls.push({ start, end: performance.now(), ...r });
      }
    };
    const loops = clients.map(loop);
    try {
      await eventually(() => calls.length >= 24, 'calls before the kill', 60_000);
      const killedAt = performance.now();
      await victim.stop('SIGKILL');
      const exitedAt = performance.now();
      await eventually(
        () => calls.filter((c) => c.start > exitedAt).length >= 24,
        'calls after the kill',
        60_000,
      );
      stop = true;
      await Promise.all(loops);
      const failed = calls.filter((c) => !c.ok);
      // In flight: sent before the replica was gone and not answered before the kill.
      const inFlight = (c: { start: number; end: number }) => c.start < exitedAt && c.end > killedAt;
      for (const f of failed)
        expect(inFlight(f), `a call not in flight at the kill failed: ${f.error}`).toBe(true);
      expect(failed.length).toBeLessThan(calls.filter(inFlight).length);
      // Each failed call is one the proxy saw die on the killed replica, and on no other.
      expect(set.proxy.stats.failed.every((f) => f.replica === victim.index)).toBe(true);
      expect(failed).toHaveLength(set.proxy.stats.failed.length);
      expect(set.proxy.healthy()).not.toContain(victim.index);
      for (const _ of failed) expect(await listed(clients[0])).toEqual({ ok: true });
      await victim.start();
      await eventually(() => set.proxy.healthy().includes(victim.index), 'the replica to be re-admitted');
    } finally {
      stop = true;
      box.sim.clearFaults();
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('the store restarted mid-run: a clear error while down, every acknowledged write read back, service resumes', async () => {
    const c = await client(set.url, writer);
    const acknowledged: string[] = [];
    let refusedWrites = 0;
    let stop = false;
    // Bindings are store writes a replica must read back: one every few ms, recorded once acknowledged.
    const writes = (async () => {
      for (let k = 0; !stop; k++) {
        await bind(`writer-${k}`).then(
          () => acknowledged.push(`writer-${k}`),
          () => refusedWrites++,
        );
        await new Promise((r) => setTimeout(r, 5)); // pacing, not waiting on anything
      }
    })();
    try {
      expect(await listed(c)).toEqual({ ok: true });
      await eventually(() => acknowledged.length >= 10, 'writes before the store goes down');
      await redis.kill();
      const down = await listed(c);
      expect(down.ok).toBe(false);
      expect(down.error).toMatch(/state store at 127\.0\.0\.1:\d+ is unreachable/);
      await eventually(() => refusedWrites > 0, 'a write refused while the store is down');
      await redis.start();
      await eventually(async () => (await listed(c)).ok, 'service to resume without a restart', 30_000);
    } finally {
      stop = true;
      await writes;
      await c.close();
    }
    for (const sub of acknowledged)
      expect(await box.auth.state.principals.isBound({ iss: issuer.issuer, sub }), sub).toBe(true);
    // The replicas read them back too: the last acknowledged binding serves its token.
    const last = await issuer.sign({ sub: acknowledged.at(-1)!, aud: set.url, scope: 'olares.read' });
    const again = await client(set.url, last);
    expect(await listed(again)).toEqual({ ok: true });
    await again.close();
  });

  it('refuses what the MCP authorization spec says to refuse', async () => {
    const metadata = `${new URL(set.url).origin}/.well-known/oauth-protected-resource/mcp`;
    const call = (token: string | undefined, name = 'files_ls', args: object = LS) =>
      fetch(set.url, {
        method: 'POST',
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': REVISION,
          'mcp-method': 'tools/call',
          'mcp-name': name,
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name, arguments: args },
        }),
      });
    const unauthorized = async (token: string | undefined, why: string) => {
      const r = await call(token);
      expect(r.status, why).toBe(401);
      expect(r.headers.get('www-authenticate'), why).toContain(`resource_metadata="${metadata}"`);
    };
    await unauthorized(undefined, 'no token');
    await unauthorized(
      await issuer.sign({ sub: 'agent-1', aud: 'https://elsewhere.example/mcp', scope: 'olares.read' }),
      'wrong audience',
    );
    await unauthorized(
      await issuer.signWithStranger({ sub: 'agent-1', aud: set.url, scope: 'olares.read' }),
      'wrong signature',
    );
    await unauthorized(
      await issuer.sign({
        sub: 'agent-1',
        aud: set.url,
        scope: 'olares.read',
        exp: Math.floor(Date.now() / 1000) - 600,
      }),
      'expired',
    );
    const scope = await call(reader, 'files_mkdir', { path: 'drive/Home/NotAllowed' });
    expect(scope.status).toBe(403);
    expect(scope.headers.get('www-authenticate')).toMatch(
      /error="insufficient_scope".*scope="[^"]*olares\.write/,
    );
    const stranger = await issuer.sign({
      sub: 'not-the-owner',
      aud: set.url,
      scope: 'olares.read olares.write',
    });
    const unbound = await call(stranger);
    expect(unbound.status).toBe(403);
    expect(await unbound.text()).toContain('is not bound to the owner');
    expect(box.sim.count('POST /files/api/resources/drive/Home/NotAllowed/')).toBe(0);
  });
});
