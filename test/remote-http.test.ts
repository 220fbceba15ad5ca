// `olares-mcp serve --http` end to end: the built server in its own process, real MCP clients of
// both eras over Streamable HTTP, a test issuer for bearer tokens, the simulator behind it.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client as ModernClient, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyHttp } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIssuer, type TestIssuer } from './helpers/issuer.js';
import { CLI, textOf } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';

const run = promisify(execFile);

interface Running {
  child: ChildProcess;
  url: string;
  stdout: string[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

async function serveHttp(env: NodeJS.ProcessEnv, args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [CLI, 'serve', '--http', '--port', '0', ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  child.stdout?.on('data', (d) => stdout.push(String(d)));
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (d) => {
      stderr += d;
      const m = stderr.match(/serving MCP on (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`serve --http exited (${code}): ${stderr}`)));
  });
  const stop = (signal: NodeJS.Signals = 'SIGTERM') =>
    new Promise<number | null>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
      child.once('exit', (code) => resolve(code));
      child.kill(signal);
    });
  return { child, url, stdout, stop };
}

async function modernClient(url: string, token?: string) {
  const client = new ModernClient(
    { name: 'http-test', version: '0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

describe('serve --http', () => {
  let box: TestBox;
  let issuer: TestIssuer;
  let work: string;
  const running: Running[] = [];

  beforeAll(async () => {
    box = await makeBox();
    await box.login('alice@olares.com');
    issuer = await startIssuer();
    work = await mkdtemp(join(tmpdir(), 'olares-mcp-http-'));
  });
  afterAll(async () => {
    for (const r of running) await r.stop();
    await issuer?.close();
    await box?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('serves 2026-07-28 and 2025 clients on loopback with --no-auth, without local-path tools', async () => {
    const r = await serveHttp(box.env, ['--no-auth']);
    running.push(r);
    expect((await fetch(r.url.replace('/mcp', '/healthz'))).status).toBe(200);
    expect((await fetch(r.url.replace('/mcp', '/readyz'))).status).toBe(200);
    const modern = await modernClient(r.url);
    const names = (await modern.listTools()).tools.map((t) => t.name);
    expect(names).toContain('files_ls');
    for (const local of ['files_upload', 'files_download', 'profile_import'])
      expect(names).not.toContain(local);
    const listed: any = await modern.callTool({ name: 'files_ls', arguments: { path: 'drive/Home' } });
    expect(listed.isError, textOf(listed)).toBeFalsy();
    expect(listed.structuredContent.items.length).toBeGreaterThan(0);
    await modern.close();

    const legacy = new LegacyClient(
      { name: 'http-legacy', version: '0' },
      { capabilities: { elicitation: { form: {} } } },
    );
    await legacy.connect(new LegacyHttp(new URL(r.url)));
    const again: any = await legacy.callTool({ name: 'files_ls', arguments: { path: 'drive/Home' } });
    expect(again.isError, textOf(again)).toBeFalsy();
    // A risky change needs a form or a link; a stateless 2025 client gets neither: a clear refusal, at once.
    const started = Date.now();
    const risky: any = await legacy.callTool({
      name: 'profile_use',
      arguments: { name: 'alice@olares.com' },
    });
    expect(Date.now() - started).toBeLessThan(20_000);
    if (risky.isError) expect(textOf(risky)).toMatch(/nothing was changed/);
    await legacy.close();
    // One audit line per request on stdout, naming the principal and never a token.
    const lines = r.stdout
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.some((l) => l.principal === 'no-auth#owner' && l.status === 200)).toBe(true);
  });

  it('refuses --no-auth off loopback and a serve without any authorization', async () => {
    await expect(serveHttp(box.env, ['--no-auth', '--host', '0.0.0.0'])).rejects.toThrow(
      /listen on 127\.0\.0\.1/,
    );
    await expect(serveHttp(box.env, [])).rejects.toThrow(/OLARES_MCP_ISSUER|--token-file/);
  });

  it('answers bearer tokens as the MCP authorization spec says', async () => {
    const r = await serveHttp({ ...box.env, OLARES_MCP_ISSUER: issuer.issuer }, []);
    running.push(r);
    const resource = r.url;
    const env = { ...box.env, OLARES_MCP_ISSUER: issuer.issuer, OLARES_MCP_RESOURCE: resource };
    await r.stop();
    const s = await serveHttp(env, ['--port', new URL(resource).port]);
    running.push(s);
    const none = await fetch(s.url, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('resource_metadata="');
    const meta = await fetch(new URL('/.well-known/oauth-protected-resource/mcp', s.url));
    expect(await meta.json()).toMatchObject({ resource, authorization_servers: [issuer.issuer] });

    const reader = await issuer.sign({ sub: 'agent-1', aud: resource, scope: 'olares.read' });
    // A valid token whose principal the owner has not bound reaches only the way to be bound;
    // profile_login changes state, so a read-only token sees profile_list alone.
    const early = await modernClient(s.url, reader);
    expect((await early.listTools()).tools.map((t) => t.name)).toEqual(['profile_list']);
    await early.close();
    const unbound = await fetch(s.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${reader}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'files_ls', arguments: {} },
      }),
    });
    expect(unbound.status).toBe(403);
    expect(await unbound.text()).toContain(`olares-mcp remote bind --iss ${issuer.issuer} --sub agent-1`);
    await run(process.execPath, [CLI, 'remote', 'bind', '--iss', issuer.issuer, '--sub', 'agent-1'], { env });
    const modern = await modernClient(s.url, reader);
    const names = (await modern.listTools()).tools.map((t) => t.name);
    expect(names).toContain('files_ls');
    expect(names).not.toContain('files_rm');
    await modern.close();
    const wrongAudience = await issuer.sign({
      sub: 'agent-1',
      aud: 'https://elsewhere.example/mcp',
      scope: 'olares.read',
    });
    await expect(modernClient(s.url, wrongAudience)).rejects.toThrow();
    const stranger = await issuer.signWithStranger({ sub: 'agent-1', aud: resource, scope: 'olares.write' });
    await expect(modernClient(s.url, stranger)).rejects.toThrow();
  });

  it('serves a token file secret, and drains on SIGTERM', async () => {
    const file = join(work, 'token');
    const secret = 'a-long-random-secret-for-the-owner-0123456789';
    await writeFile(file, `${secret}\n`);
    await chmod(file, 0o600);
    const r = await serveHttp(box.env, ['--token-file', file]);
    running.push(r);
    const modern = await modernClient(r.url, secret);
    const listed: any = await modern.callTool({ name: 'files_ls', arguments: { path: 'drive/Home' } });
    expect(listed.isError).toBeFalsy();
    await modern.close();
    const bad = await fetch(r.url, { method: 'POST', headers: { authorization: 'Bearer nope' }, body: '{}' });
    expect(bad.status).toBe(401);
    expect(await r.stop('SIGTERM')).toBe(0);
  });
});
