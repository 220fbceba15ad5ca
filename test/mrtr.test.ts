// The 2026-07-28 multi round-trip confirmations on the wire, driven by hand (no SDK client in
// the way), and the 2025 era's unanswered form: issue 14 items 3 and 4.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pageRequest } from './helpers/browser.js';
import { CLI, connect, type McpSession, textOf } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';

const REVISION = '2026-07-28';

/** A 2026-07-28 client written by hand: one JSON line per request, the envelope on each. */
class RawModernClient {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffer = '';
  private nextId = 1;
  private readonly waiting = new Map<number, (msg: any) => void>();

  constructor(env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [CLI], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (d) => {
      this.buffer += d;
      for (let at = this.buffer.indexOf('\n'); at >= 0; at = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, at);
        this.buffer = this.buffer.slice(at + 1);
        const msg = JSON.parse(line);
        if (msg.id !== undefined) this.waiting.get(msg.id)?.(msg);
      }
    });
  }

  request(method: string, params: Record<string, unknown> = {}, capabilities: Record<string, unknown> = {}) {
    const id = this.nextId++;
    const _meta = {
      'io.modelcontextprotocol/protocolVersion': REVISION,
      'io.modelcontextprotocol/clientCapabilities': capabilities,
      'io.modelcontextprotocol/clientInfo': { name: 'raw-test', version: '0' },
    };
    return new Promise<any>((resolve) => {
      this.waiting.set(id, resolve);
      this.child.stdin.write(
        `${JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta } })}\n`,
      );
    });
  }

  call(name: string, args: Record<string, unknown>, retry: Record<string, unknown> = {}) {
    return this.request('tools/call', { name, arguments: args, ...retry }, { elicitation: { form: {} } });
  }

  close() {
    this.child.kill();
  }
}

const yes = (key: string) => ({ [key]: { action: 'accept', content: { confirm: true } } });

describe('2026-07-28 confirmations (input_required rounds)', () => {
  let box: TestBox;
  const clients: RawModernClient[] = [];
  const client = () => {
    const c = new RawModernClient(box.env);
    clients.push(c);
    return c;
  };
  const exists = async (name: string) => {
    const c = client();
    const r = await c.call('files_ls', { path: 'drive/Home' });
    return r.result.structuredContent.items.some((i: any) => i.name === name);
  };

  beforeAll(async () => {
    box = await makeBox();
    await box.login('alice@olares.com');
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    await box.close();
  });

  it('asks with input_required, completes on the retry, and honours an answer once', async () => {
    const c = client();
    await c.call('files_mkdir', { path: 'drive/Home/Once' });
    const args = { paths: ['drive/Home/Once'], recursive: true };
    const first = await c.call('files_rm', args);
    expect(first.result.resultType).toBe('input_required');
    const [key] = Object.keys(first.result.inputRequests);
    expect(first.result.inputRequests[key]).toMatchObject({
      method: 'elicitation/create',
      params: { message: expect.stringContaining('drive/Home/Once') },
    });
    expect(await exists('Once')).toBe(true);
    const retry = { inputResponses: yes(key), requestState: first.result.requestState };
    const done = await c.call('files_rm', args, retry);
    expect(done.result.resultType).toBe('complete');
    expect(done.result.structuredContent).toMatchObject({ confirmed: true });
    expect(await exists('Once')).toBe(false);
    // The same answer again: asked anew, never run on a used state.
    await c.call('files_mkdir', { path: 'drive/Home/Once' });
    const replay = await c.call('files_rm', args, retry);
    expect(replay.result.resultType, JSON.stringify(replay.result)).toBe('input_required');
    expect(await exists('Once')).toBe(true);
  });

  it('asks again when the retry carries other arguments, a decline or no answer', async () => {
    const c = client();
    await c.call('files_mkdir', { path: 'drive/Home/KeepA' });
    await c.call('files_mkdir', { path: 'drive/Home/KeepB' });
    const first = await c.call('files_rm', { paths: ['drive/Home/KeepA'], recursive: true });
    const [key] = Object.keys(first.result.inputRequests);
    const other = await c.call(
      'files_rm',
      { paths: ['drive/Home/KeepB'], recursive: true },
      { inputResponses: yes(key), requestState: first.result.requestState },
    );
    expect(other.result.resultType).toBe('input_required');
    const again = await c.call('files_rm', { paths: ['drive/Home/KeepA'], recursive: true });
    const k2 = Object.keys(again.result.inputRequests)[0];
    const missing = await c.call(
      'files_rm',
      { paths: ['drive/Home/KeepA'], recursive: true },
      { inputResponses: {}, requestState: again.result.requestState },
    );
    expect(missing.result.resultType).toBe('input_required');
    const k3 = Object.keys(missing.result.inputRequests)[0];
    const declined = await c.call(
      'files_rm',
      { paths: ['drive/Home/KeepA'], recursive: true },
      { inputResponses: { [k3]: { action: 'decline' } }, requestState: missing.result.requestState },
    );
    expect(declined.result.isError).toBe(true);
    expect(textOf(declined.result)).toMatch(/declined; nothing was changed/);
    expect(k2).toBeTruthy();
    expect(await exists('KeepA')).toBe(true);
    expect(await exists('KeepB')).toBe(true);
  });

  it('refuses a tampered requestState, and a restarted server still verifies a real one', async () => {
    const c = client();
    await c.call('files_mkdir', { path: 'drive/Home/Restart' });
    const args = { paths: ['drive/Home/Restart'], recursive: true };
    const first = await c.call('files_rm', args);
    const [key] = Object.keys(first.result.inputRequests);
    const state: string = first.result.requestState;
    const tampered = `${state.slice(0, -2)}${state.endsWith('A') ? 'BB' : 'AA'}`;
    const bad = await c.call('files_rm', args, { inputResponses: yes(key), requestState: tampered });
    expect(bad.error?.code).toBe(-32602);
    expect(await exists('Restart')).toBe(true);
    c.close();
    // Another process, the same state dir: the key is on disk, so the answer still counts.
    const after = client();
    const done = await after.call('files_rm', args, { inputResponses: yes(key), requestState: state });
    expect(done.result.structuredContent).toMatchObject({ confirmed: true });
    expect(await exists('Restart')).toBe(false);
    expect(await readdir(join(box.home))).toContain('request-state.key');
  });
});

describe('2025 era: a form nobody answers', () => {
  let box: TestBox;
  let mcp: McpSession | undefined;
  beforeAll(async () => {
    box = await makeBox();
    await box.login('alice@olares.com');
  });
  afterAll(async () => {
    await mcp?.close();
    await box.close();
  });

  it('ends after 45 s with nothing changed and offers the approval link instead', {
    timeout: 90_000,
  }, async () => {
    mcp = await connect(box.env, { elicitation: { form: {} } }, { era: 'legacy' });
    let shown = 0;
    mcp.onElicit(() => {
      shown++;
      return new Promise(() => {}); // declared, never drawn (Claude Desktop)
    });
    await mcp.call('files_mkdir', { path: 'drive/Home/Unanswered' });
    const started = Date.now();
    const r = await mcp.call('files_rm', { paths: ['drive/Home/Unanswered'], recursive: true });
    const waited = Date.now() - started;
    expect(shown).toBe(1);
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/no answer to the confirmation form within 45 s/);
    expect(waited).toBeLessThan(60_000);
    const link = textOf(r).match(/http:\/\/127\.0\.0\.1:\d+\/approve\/[A-Za-z0-9_-]+/)?.[0];
    expect(link).toBeTruthy();
    expect((await pageRequest(link!)).status).toBe(200);
    const listed = await mcp.call('files_ls', { path: 'drive/Home' });
    expect(listed.structuredContent.items.map((i: any) => i.name)).toContain('Unanswered');
  });
});
