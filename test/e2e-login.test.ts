// profile_login end to end: the SDK Client over stdio, the simulator's auth host, and the
// loopback page driven like a browser. No password or code ever goes through MCP.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { completeLogin, hiddenFields, pageRequest, submitStep } from './helpers/browser.js';
import { connect, type McpSession, textOf } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';
import { eventually } from './helpers/wait.js';

describe('profile_login', () => {
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

  const profileStatus = async (id: string) => {
    const list = await mcp!.call('profile_list');
    return list.structuredContent.profiles.find((p: any) => p.olaresId === id)?.status;
  };

  it('returns the link without elicitation and logs in with password + TOTP on the page', async () => {
    mcp = await connect(box.env);
    const r = await mcp.call('profile_login', { olaresId: 'alice@olares.com', name: 'alice' });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent.status).toBe('pending');
    const url: string = r.structuredContent.loginUrl;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/login\/[A-Za-z0-9_-]{32}$/);
    expect(textOf(r)).toContain(url);
    const first = await pageRequest(url);
    expect(first.html).toContain('name="password"');
    expect(first.html).toContain(new URL(box.sim.url).host); // names the auth host it will contact
    const done = await completeLogin(url, box.password('alice@olares.com'), () =>
      box.totp('alice@olares.com'),
    );
    expect(done.status).toBe(200);
    expect(done.html).toContain('Logged in as');
    expect(await profileStatus('alice@olares.com')).toMatch(/^logged-in \(0h59m\)$/);
    expect(box.sim.count('POST /auth/api/secondfactor/totp')).toBe(1);
    // the link is single-use
    const again = await pageRequest(url);
    expect(again.status).toBe(410);
  });

  it('opens the page in the desktop browser only when OLARES_OPEN_BROWSER=1', async () => {
    const bin = await mkdtemp(join(tmpdir(), 'olares-fake-browser-'));
    const opened = join(bin, 'opened.txt');
    await writeFile(join(bin, 'xdg-open'), `#!/bin/sh\necho "$1" > "${opened}"\n`, { mode: 0o755 });
    mcp = await connect({ ...box.env, PATH: `${bin}:${process.env.PATH}`, OLARES_OPEN_BROWSER: '1' });
    const r = await mcp.call('profile_login', { olaresId: 'bob@olares.com' });
    expect(textOf(r)).toMatch(/opened in the default browser/);
    // The fake browser is a detached sh: wait for it to have written the whole line.
    await eventually(
      async () => (await readFile(opened, 'utf8').catch(() => '')).endsWith('\n'),
      'the fake browser to record the URL',
    );
    expect((await readFile(opened, 'utf8')).trim()).toBe(r.structuredContent.loginUrl);
    await rm(bin, { recursive: true, force: true });
  });

  it('logs in a user without 2FA in one step', async () => {
    mcp = await connect(box.env);
    const r = await mcp.call('profile_login', { olaresId: 'bob@olares.com' });
    const done = await completeLogin(r.structuredContent.loginUrl, box.password('bob@olares.com'));
    expect(done.html).toContain('Logged in as');
    expect(box.sim.count('POST /auth/api/secondfactor/totp')).toBe(0);
    expect(await profileStatus('bob@olares.com')).toMatch(/^logged-in/);
  });

  it('uses URL-mode elicitation when the client declares it, returning after the token is stored', async () => {
    mcp = await connect(box.env, { elicitation: { url: {} } });
    const completions: string[] = [];
    let elicited: any;
    // 2025-11-25 ends a URL elicitation with a notification; 2026-07-28 has none (the retry says it).
    if (mcp.era === 'legacy')
      mcp.client.setNotificationHandler(
        (await import('@modelcontextprotocol/sdk/types.js')).ElicitationCompleteNotificationSchema,
        (n: any) => {
          completions.push(n.params.elicitationId);
        },
      );
    mcp.onElicit(async (params: any) => {
      elicited = params;
      // The user consents, then types in the browser while the tool call is still open.
      setTimeout(
        () => completeLogin(params.url, box.password('alice@olares.com'), () => box.totp('alice@olares.com')),
        50,
      );
      return { action: 'accept' };
    });
    const r = await mcp.call('profile_login', { olaresId: 'alice@olares.com' });
    expect(r.isError).toBeFalsy();
    expect(elicited.mode).toBe('url');
    expect(elicited.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/login\//);
    expect(r.structuredContent).toMatchObject({
      status: 'logged-in',
      olaresId: 'alice@olares.com',
      backend: 'file',
    });
    expect(r.structuredContent.loginUrl).toBeUndefined();
    expect((await box.auth.stores.file.get('alice@olares.com'))?.accessToken).toBeTruthy();
    if (mcp.era === 'legacy') {
      // The completion notification may arrive just after the result.
      await eventually(() => completions.length > 0, 'the elicitation completion notification');
      expect(completions).toEqual([elicited.elicitationId]);
    } else {
      expect(elicited.elicitationId).toBeUndefined();
      expect(mcp.messages.some((m: any) => m.method === 'notifications/elicitation/complete')).toBe(false);
    }
  });

  it('reports a declined URL elicitation with the next step and stores nothing', async () => {
    mcp = await connect(box.env, { elicitation: { url: {} } });
    mcp.onElicit(async () => ({ action: 'decline' }));
    const r = await mcp.call('profile_login', { olaresId: 'alice@olares.com' });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent.status).toBe('declined');
    expect(textOf(r)).toMatch(/declined; nothing was stored/);
    expect(textOf(r)).toContain('olares-mcp login --olares-id alice@olares.com');
    expect(await box.auth.stores.file.get('alice@olares.com')).toBeNull();
  });

  it('refuses a wrong Host without using up the link, a wrong CSRF field and a replayed form', async () => {
    mcp = await connect(box.env);
    const url: string = (await mcp.call('profile_login', { olaresId: 'bob@olares.com' })).structuredContent
      .loginUrl;
    const rebound = await pageRequest(url, { host: `evil.example:${new URL(url).port}` });
    expect(rebound.status).toBe(421);
    const page = await pageRequest(url);
    const fields = hiddenFields(page.html);
    const forged = await pageRequest(url, {
      method: 'POST',
      body: new URLSearchParams({
        ...fields,
        csrf: 'x',
        password: box.password('bob@olares.com'),
      }).toString(),
    });
    expect(forged.status).toBe(409);
    const crossSite = await pageRequest(url, {
      method: 'POST',
      origin: 'http://evil.example',
      body: new URLSearchParams({ ...fields, password: 'x' }).toString(),
    });
    expect(crossSite.status).toBe(403);
    expect(box.sim.count('POST /auth/api/firstfactor')).toBe(0);
    const body = new URLSearchParams({
      ...fields,
      olaresId: 'bob@olares.com',
      password: box.password('bob@olares.com'),
    }).toString();
    const ok = await pageRequest(url, { method: 'POST', body });
    expect(ok.html).toContain('Logged in as');
    const replay = await pageRequest(url, { method: 'POST', body });
    expect(replay.status).toBe(410);
    expect(box.sim.count('POST /auth/api/firstfactor')).toBe(1);
  });

  it('shows a wrong password on the page and lets the user retry', async () => {
    mcp = await connect(box.env);
    const url: string = (await mcp.call('profile_login', { olaresId: 'bob@olares.com' })).structuredContent
      .loginUrl;
    const wrong = await submitStep(url, 'password', 'not-the-password');
    expect(wrong.status).toBe(401);
    expect(wrong.html).toMatch(/wrong password/);
    const right = await submitStep(url, 'password', box.password('bob@olares.com'));
    expect(right.html).toContain('Logged in as');
  });

  it('refuses an expired link', async () => {
    mcp = await connect({ ...box.env, OLARES_LOGIN_TTL_MS: '300' });
    const url: string = (await mcp.call('profile_login', { olaresId: 'bob@olares.com' })).structuredContent
      .loginUrl;
    // The page closes when its timer fires, which a loaded machine does late: poll until the
    // port refuses connections (a request racing the close may be reset instead).
    await eventually(
      async () =>
        /ECONNREFUSED/.test(
          String(
            await pageRequest(url).then(
              () => '',
              (err) => err,
            ),
          ),
        ),
      'the expired link to close',
    );
    expect(box.sim.count('POST /auth/api/firstfactor')).toBe(0);
  });

  it('rotates the CSRF field on every submit: the first form cannot be posted twice', async () => {
    mcp = await connect(box.env);
    const url: string = (await mcp.call('profile_login', { olaresId: 'bob@olares.com' })).structuredContent
      .loginUrl;
    const fields = hiddenFields((await pageRequest(url)).html);
    const post = (password: string) =>
      pageRequest(url, {
        method: 'POST',
        body: new URLSearchParams({ ...fields, olaresId: 'bob@olares.com', password }).toString(),
      });
    const wrong = await post('not-the-password');
    expect(wrong.status).toBe(401);
    expect(hiddenFields(wrong.html).csrf).not.toBe(fields.csrf);
    // The same form again, even with the right password: refused before the box is asked.
    const replayed = await post(box.password('bob@olares.com'));
    expect(replayed.status).toBe(409);
    expect(box.sim.count('POST /auth/api/firstfactor')).toBe(1);
    expect(await box.auth.stores.file.get('bob@olares.com')).toBeNull();
  });

  it('locks the link after 5 failed attempts, even against the right password', async () => {
    mcp = await connect(box.env);
    const url: string = (await mcp.call('profile_login', { olaresId: 'bob@olares.com' })).structuredContent
      .loginUrl;
    for (let attempt = 1; attempt <= 4; attempt++)
      expect((await submitStep(url, 'password', `wrong-${attempt}`)).status).toBe(401);
    const fifth = await submitStep(url, 'password', 'wrong-5');
    expect(fifth.status).toBe(429);
    expect(fifth.html).toMatch(/locked after 5 failed attempts/);
    // The page is closed: a connection is refused, or one still open is hung up on.
    await expect(submitStep(url, 'password', box.password('bob@olares.com'))).rejects.toThrow(
      /ECONNREFUSED|socket hang up|ECONNRESET/,
    );
    expect(box.sim.count('POST /auth/api/firstfactor')).toBe(5);
    expect(await box.auth.stores.file.get('bob@olares.com')).toBeNull();
  });

  it('refuses to log in while a valid token exists, with the olares-cli text', async () => {
    await box.login('bob@olares.com');
    mcp = await connect(box.env);
    const r = await mcp.call('profile_login', { olaresId: 'bob@olares.com' });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(
      /^already authenticated for bob@olares.com \(expires in \d+m\d+s\)\.\nto re-authenticate, run: profile_remove/,
    );
    const bad = await mcp.call('profile_login', { olaresId: 'a@b@c' });
    expect(textOf(bad)).toMatch(/contains more than one '@'/);
  });
});
