// The login page outlives the server that opened it: profile_login (without URL elicitation)
// hands the page to a detached `olares-mcp login-page` process recorded in
// $OLARES_MCP_HOME/pending/<id>.json, so a client that restarts its server can still finish.
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { completeLogin, pageRequest } from './helpers/browser.js';
import { connect, type McpSession, textOf } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';
import { eventually } from './helpers/wait.js';

const pendingDir = (box: TestBox) => join(box.home, 'pending');

async function records(box: TestBox): Promise<{ file: string; record: any }[]> {
  const files = await readdir(pendingDir(box)).catch(() => [] as string[]);
  const out: { file: string; record: any }[] = [];
  for (const file of files.filter((f) => f.endsWith('.json'))) {
    const text = await readFile(join(pendingDir(box), file), 'utf8').catch(() => undefined);
    if (text) out.push({ file, record: JSON.parse(text) });
  }
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A pid that certainly belonged to a process which has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

const refused = (url: string) =>
  pageRequest(url).then(
    () => false,
    (err) => /ECONNREFUSED|ECONNRESET|socket hang up/.test(String(err?.code ?? err)),
  );

describe('detached login page', () => {
  let box: TestBox;
  let mcp: McpSession | undefined;
  beforeEach(async () => {
    box = await makeBox();
  });
  afterEach(async () => {
    await mcp?.close();
    mcp = undefined;
    await box.close();
  });

  it('survives the server: closed before the user signs in, a new server sees the login', async () => {
    mcp = await connect(box.env);
    const r = await mcp.call('profile_login', { olaresId: 'alice@olares.com', name: 'alice' });
    expect(r.structuredContent.status).toBe('pending');
    const url: string = r.structuredContent.loginUrl;
    const [{ file, record }] = await records(box);
    expect(record).toMatchObject({ olaresId: 'alice@olares.com', name: 'alice', url, makeCurrent: false });
    expect(record.port).toBe(Number(new URL(url).port));
    expect(file).toBe(`${record.id}.json`);
    expect((await stat(join(pendingDir(box), file))).mode & 0o777).toBe(0o600);
    expect((await stat(pendingDir(box))).mode & 0o777).toBe(0o700);
    const text = await readFile(join(pendingDir(box), file), 'utf8');
    expect(text).not.toContain(box.password('alice@olares.com'));
    expect(text).not.toMatch(/token|password|secret/i);
    expect(alive(record.pid)).toBe(true);
    expect(record.pid).not.toBe(process.pid);

    await mcp.close();
    mcp = undefined;
    const done = await completeLogin(url, box.password('alice@olares.com'), () =>
      box.totp('alice@olares.com'),
    );
    expect(done.html).toContain('Logged in as');
    await eventually(async () => (await records(box)).length === 0, 'the record to be removed');
    await eventually(() => !alive(record.pid), 'the page process to exit');

    mcp = await connect(box.env);
    const list = await mcp.call('profile_list');
    const alice = list.structuredContent.profiles.find((p: any) => p.olaresId === 'alice@olares.com');
    expect(alice).toMatchObject({ name: 'alice', current: true });
    expect(alice.status).toMatch(/^logged-in \(0h5\dm\)$/);
    expect(list.structuredContent.pendingLogins).toBeUndefined();
  });

  it('profile_list shows the pending link and a second profile_login returns the same one', async () => {
    mcp = await connect(box.env);
    const first = await mcp.call('profile_login', { olaresId: 'bob@olares.com' });
    await mcp.close();
    mcp = await connect(box.env); // a client that runs one server per call
    const list = await mcp.call('profile_list');
    expect(list.structuredContent.pendingLogins).toEqual([
      {
        olaresId: 'bob@olares.com',
        loginUrl: first.structuredContent.loginUrl,
        linkExpiresAt: first.structuredContent.linkExpiresAt,
      },
    ]);
    expect(textOf(list)).toContain(`login pending for bob@olares.com`);
    const second = await mcp.call('profile_login', { olaresId: 'bob@olares.com' });
    expect(second.structuredContent.loginUrl).toBe(first.structuredContent.loginUrl);
    expect(await records(box)).toHaveLength(1);
  });

  it('passes an agent-chosen name to the page process as one argument, never as an option', async () => {
    mcp = await connect(box.env);
    const r = await mcp.call('profile_login', { olaresId: 'bob@olares.com', name: '--make-current' });
    expect(r.isError).toBeFalsy();
    const [{ record }] = await records(box);
    expect(record).toMatchObject({ name: '--make-current', makeCurrent: false });
  });

  it('at expiry the page process removes its record and exits', async () => {
    mcp = await connect({ ...box.env, OLARES_LOGIN_TTL_MS: '1500' });
    const r = await mcp.call('profile_login', { olaresId: 'bob@olares.com' });
    const [{ record }] = await records(box);
    expect((await pageRequest(r.structuredContent.loginUrl)).status).toBe(200);
    await eventually(async () => (await records(box)).length === 0, 'the expired record to be removed');
    await eventually(() => !alive(record.pid), 'the expired page process to exit');
    expect(await refused(r.structuredContent.loginUrl)).toBe(true);
    expect(box.sim.count('POST /auth/api/firstfactor')).toBe(0);
  });

  it('caps open pages at three, detached ones included: the oldest is closed, by its pid', async () => {
    mcp = await connect(box.env);
    const ids = ['a1@olares.com', 'a2@olares.com', 'a3@olares.com', 'a4@olares.com'];
    const urls: string[] = [];
    const pids: number[] = [];
    for (const olaresId of ids) {
      urls.push((await mcp.call('profile_login', { olaresId })).structuredContent.loginUrl);
      pids.push((await records(box)).find((e) => e.record.olaresId === olaresId)!.record.pid);
    }
    await eventually(() => !alive(pids[0]), 'the oldest page process to be closed');
    expect(await refused(urls[0])).toBe(true);
    const left = (await records(box)).map((e) => e.record.olaresId).sort();
    expect(left).toEqual(ids.slice(1));
    for (const url of urls.slice(1)) expect((await pageRequest(url)).status).toBe(200);
  });

  it('an approval page in the server counts against the same cap as the detached login pages', async () => {
    await box.login('bob@olares.com');
    await box.login('alice@olares.com'); // current: alice
    mcp = await connect(box.env);
    const ids = ['a1@olares.com', 'a2@olares.com', 'a3@olares.com'];
    for (const olaresId of ids) await mcp.call('profile_login', { olaresId });
    const oldest = (await records(box)).find((e) => e.record.olaresId === ids[0])!.record;
    // A switch needs the user's yes; with no form the server opens an approval page.
    const use = await mcp.call('profile_use', { name: 'bob@olares.com' });
    expect(textOf(use)).toMatch(/http:\/\/127\.0\.0\.1:\d+\/approve\//);
    await eventually(() => !alive(oldest.pid), 'the oldest login page to make room');
    expect((await records(box)).map((e) => e.record.olaresId).sort()).toEqual(ids.slice(1));
  });

  // Linux only: elsewhere no command line is read, and the expiry bounds a reused pid instead.
  it.skipIf(process.platform !== 'linux')(
    'ignores a record whose pid now belongs to another process, and never signals it',
    async () => {
      await mkdir(pendingDir(box), { recursive: true, mode: 0o700 });
      const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
      const exited = new Promise((resolve) => sleeper.once('exit', resolve));
      try {
        const now = Date.now();
        for (const n of [1, 2, 3]) {
          const id = `0000000${n}-0000-4000-8000-000000000000`;
          const reused = { id, pid: sleeper.pid, olaresId: `r${n}@olares.com`, makeCurrent: false, port: 1 };
          const record = {
            ...reused,
            url: 'http://127.0.0.1:1/login/x',
            createdAt: now,
            expiresAt: now + 60_000,
          };
          await writeFile(join(pendingDir(box), `${id}.json`), JSON.stringify(record), { mode: 0o600 });
        }
        mcp = await connect(box.env);
        expect((await mcp.call('profile_login', { olaresId: 'bob@olares.com' })).isError).toBeFalsy();
        expect((await records(box)).map((e) => e.record.olaresId)).toEqual(['bob@olares.com']);
        expect(alive(sleeper.pid!)).toBe(true);
      } finally {
        sleeper.kill();
        await exited;
      }
    },
  );

  it('ignores and deletes a record whose process is gone', async () => {
    await mkdir(pendingDir(box), { recursive: true, mode: 0o700 });
    const stale = {
      id: '00000000-dead-4000-8000-000000000000',
      pid: await deadPid(),
      olaresId: 'bob@olares.com',
      makeCurrent: false,
      port: 1,
      url: 'http://127.0.0.1:1/login/stale',
      createdAt: Date.now(),
      expiresAt: Date.now() + 60_000,
    };
    const path = join(pendingDir(box), `${stale.id}.json`);
    await writeFile(path, JSON.stringify(stale), { mode: 0o600 });
    mcp = await connect(box.env);
    const list = await mcp.call('profile_list');
    expect(list.structuredContent.pendingLogins).toBeUndefined();
    await expect(stat(path)).rejects.toThrow(/ENOENT/);
    await writeFile(path, JSON.stringify(stale), { mode: 0o600 });
    const r = await mcp.call('profile_login', { olaresId: 'bob@olares.com' });
    expect(r.structuredContent.loginUrl).not.toBe(stale.url);
    expect((await pageRequest(r.structuredContent.loginUrl)).status).toBe(200);
    expect((await records(box)).map((e) => e.record.id)).not.toContain(stale.id);
  });
});
