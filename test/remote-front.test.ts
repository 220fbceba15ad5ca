// remoteFront (src/remote/front.ts) over HTTP on loopback: the guards and the resource-server
// checks in front of a stand-in MCP handler, driven by real requests with tokens from a test
// issuer. Shows the composition the integrator wires into serve --http.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Authenticated,
  calledTools,
  jwtVerifier,
  remoteFront,
  TokenBuckets,
} from '../src/remote/index.js';
import { type FetchServer, rawRequest, serveFetch } from './helpers/fetchServer.js';
import { startIssuer, type TestIssuer } from './helpers/issuer.js';

const TOOLS = [
  { name: 'files_ls', readOnly: true },
  { name: 'files_delete', readOnly: false },
];
const callTool = (name: string) =>
  JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } });

describe('remoteFront on loopback', () => {
  let idp: TestIssuer;
  let server: FetchServer;
  let resource: string;
  const reached: Authenticated[] = [];

  beforeAll(async () => {
    idp = await startIssuer();
    let front: ReturnType<typeof remoteFront> | undefined;
    server = await serveFetch((request) =>
      (front as ReturnType<typeof remoteFront>)(request, async (_request, who) => {
        reached.push(who);
        return Response.json({ jsonrpc: '2.0', id: 1, result: { ok: true } });
      }),
    );
    resource = `${server.url}/mcp`;
    front = remoteFront({
      verifier: jwtVerifier({ issuer: idp.issuer, resource }),
      settings: { resource, issuer: idp.issuer },
      endpointPath: '/mcp',
      listenHost: '127.0.0.1',
      tools: () => TOOLS,
      // A frozen clock: the bucket refills never, so the 21st request is refused deterministically.
      buckets: new TokenBuckets(20, 20, () => 0),
    });
  });
  afterAll(async () => {
    await server.close();
    await idp.close();
  });

  const post = (body: string, token?: string) =>
    fetch(resource, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body,
    });

  it('serves the metadata without a token and challenges a call without one', async () => {
    const doc = await fetch(`${server.url}/.well-known/oauth-protected-resource/mcp`);
    expect(await doc.json()).toMatchObject({ resource, authorization_servers: [idp.issuer] });
    const refused = await post(callTool('files_ls'));
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${server.url}/.well-known/oauth-protected-resource/mcp", scope="olares.read olares.write"`,
    );
  });

  it('passes a read-only call with a read token to the handler, with the principal and AuthInfo', async () => {
    const token = await idp.sign({ aud: resource, scope: 'olares.read', sub: 'reader' });
    const before = reached.length;
    const ok = await post(callTool('files_ls'), token);
    expect(ok.status).toBe(200);
    expect(reached.length).toBe(before + 1);
    expect(reached.at(-1)?.principal).toEqual({ iss: idp.issuer, sub: 'reader' });
    expect(reached.at(-1)?.authInfo.scopes).toEqual(['olares.read']);
  });

  it('refuses a write tool to a read token with 403 before the handler runs', async () => {
    const token = await idp.sign({ aud: resource, scope: 'olares.read', sub: 'reader2' });
    const before = reached.length;
    const refused = await post(callTool('files_delete'), token);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toMatch(
      /^Bearer error="insufficient_scope", scope="olares\.read olares\.write", resource_metadata="/,
    );
    expect(reached.length).toBe(before);
  });

  it('checks every call of a batch, and a call without a tool name, against the scopes', async () => {
    expect(
      calledTools([{ method: 'ping' }, JSON.parse(callTool('files_delete')), { method: 'tools/call' }]),
    ).toEqual(['files_delete', undefined]);
    const token = await idp.sign({ aud: resource, scope: 'olares.read', sub: 'batcher' });
    const batch = `[${callTool('files_ls')},${callTool('files_delete')}]`;
    expect((await post(batch, token)).status).toBe(403);
    const nameless = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: {} });
    expect((await post(nameless, token)).status).toBe(403);
  });

  it('refuses a rebinding Host and a foreign Origin with 403', async () => {
    const token = await idp.sign({ aud: resource, scope: 'olares.write', sub: 'writer' });
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const host = await rawRequest(server.port, { headers: { ...auth, host: 'evil.example' }, body: '{}' });
    expect(host.status).toBe(403);
    const origin = await rawRequest(server.port, {
      headers: { ...auth, host: `127.0.0.1:${server.port}`, origin: 'https://evil.example' },
      body: '{}',
    });
    expect(origin.status).toBe(403);
  });

  it('answers 413 to a body over 4 MiB', async () => {
    const token = await idp.sign({ aud: resource, scope: 'olares.write', sub: 'big' });
    const big = await post(`{"pad":"${'x'.repeat(4 * 1024 * 1024)}"}`, token);
    expect(big.status).toBe(413);
  });

  it('answers the 21st request of a second 429 with Retry-After, for that principal only', async () => {
    const token = await idp.sign({ aud: resource, scope: 'olares.read', sub: 'busy' });
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await post(callTool('files_ls'), token)).status);
    expect(statuses).toEqual(Array(20).fill(200));
    const limited = await post(callTool('files_ls'), token);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    const other = await idp.sign({ aud: resource, scope: 'olares.read', sub: 'calm' });
    expect((await post(callTool('files_ls'), other)).status).toBe(200);
  });
});
