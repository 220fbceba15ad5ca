// The trust boundary around credentials (the security review, README "Security model" C1, M5, L4, L7, L8): a
// prompt-injected agent picks the olaresId, the env name, the file path and the profile
// argument. Where the server tries to go is observed, not assumed: the spawned server preloads
// test/fixtures/net-observer.mjs, which logs every DNS lookup and socket connect to a file.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { completeLogin, hiddenFields, pageRequest, submitStep } from './helpers/browser.js';
import { CLI, connect, type McpSession, textOf } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';

const OBSERVER = resolve(import.meta.dirname, 'fixtures/net-observer.mjs');
const UNTRUSTED = [
  { olaresId: 'x@attacker.test', authHost: 'auth.x.attacker.test', domain: 'attacker.test' },
  { olaresId: 'mallory@olares.com', authHost: 'auth.mallory.olares.com', domain: 'mallory.olares.com' },
];
const FAKE_TOKEN = 'rt-REAL-ALICE-REFRESH-TOKEN';

describe('trust boundary: credentials, hosts and profiles', () => {
  let box: TestBox;
  let work: string;
  let netLog: string;
  const sessions: McpSession[] = [];

  beforeEach(async () => {
    box = await makeBox();
    work = await mkdtemp(join(tmpdir(), 'olares-mcp-hosts-'));
    netLog = join(work, 'net.log');
  });
  afterEach(async () => {
    for (const s of sessions.splice(0)) await s.close().catch(() => {});
    await box.close();
    await rm(work, { recursive: true, force: true });
  });

  /** The box env, observed; `template: ''` means the default https://{service}.{prefix}{terminus}. */
  const observed = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    ...box.env,
    NODE_OPTIONS: `--import=${OBSERVER}`,
    OLARES_TEST_NET_LOG: netLog,
    ...extra,
  });
  const open = async (env: NodeJS.ProcessEnv, caps: Parameters<typeof connect>[1] = {}) => {
    const s = await connect(env, caps);
    sessions.push(s);
    return s;
  };
  /** A client that shows yes/no forms and answers them with `answer`, keeping each message. */
  const formClient = async (env: NodeJS.ProcessEnv, answer: 'yes' | 'no' | 'decline') => {
    const s = await open(env, { elicitation: { form: {} } });
    const asked: string[] = [];
    s.onElicit(async (params: any) => {
      asked.push(params.message);
      if (answer === 'decline') return { action: 'decline' };
      return { action: 'accept', content: { confirm: answer === 'yes' } };
    });
    return { s, asked };
  };
  const seen = async () => (await readFile(netLog, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  const touched = async (domain: string) => (await seen()).filter((l) => l.includes(domain));
  const refreshes = () => box.sim.count('POST /auth/api/refresh');
  const tokenFile = async (name = 'rt.txt', content = `${FAKE_TOKEN}\n`) => {
    const path = join(work, name);
    await writeFile(path, content);
    return path;
  };
  const currentOf = async (s: McpSession) =>
    (await s.call('profile_list')).structuredContent.profiles.find((p: any) => p.current)?.olaresId;

  it('C1: import to an untrusted host sends nothing', async () => {
    const env = observed({
      OLARES_URL_TEMPLATE: '',
      OLARES_REFRESH_TOKEN: FAKE_TOKEN,
      OLARES_LOCAL_ROOTS: work,
    });
    const file = await tokenFile();
    const noForms = await open(env);
    const declines = await formClient(env, 'decline');
    for (const u of UNTRUSTED) {
      for (const source of [{ refreshTokenEnv: 'OLARES_REFRESH_TOKEN' }, { refreshTokenFile: file }]) {
        const r = await noForms.call('profile_import', { olaresId: u.olaresId, ...source });
        expect(r.isError, textOf(r)).toBe(true);
        expect(textOf(r)).toContain(`the auth host ${u.authHost} is new`);
        expect(textOf(r)).toContain('OLARES_TRUSTED_DOMAINS');
        expect(textOf(r)).toContain(`olares-mcp import --olares-id ${u.olaresId}`);
        const d = await declines.s.call('profile_import', { olaresId: u.olaresId, ...source });
        expect(d.isError).toBe(true);
        expect(textOf(d)).toMatch(/declined/);
      }
      expect(declines.asked.at(-1)).toContain(`https://${u.authHost}`);
      expect(await touched(u.domain)).toEqual([]);
    }
    expect(textOf(await noForms.call('profile_list'))).toMatch(/no profiles configured/);
    // The observer does see the host once the user says yes (and once it is trusted): the
    // assertions above could fail.
    const accepts = await formClient(env, 'yes');
    await accepts.s.call('profile_import', { olaresId: 'x@attacker.test', refreshTokenFile: file });
    expect(await touched('attacker.test')).toContain('lookup auth.x.attacker.test');
    const trusting = await open({ ...env, OLARES_TRUSTED_DOMAINS: '*.mallory.olares.com' });
    await trusting.call('profile_import', { olaresId: 'mallory@olares.com', refreshTokenFile: file });
    expect(await touched('mallory.olares.com')).toContain('lookup auth.mallory.olares.com');
  });

  it('C1: refreshTokenEnv other than OLARES_REFRESH_TOKEN is refused', async () => {
    const env = observed({
      OLARES_ID: 'alice@olares.com',
      OLARES_ACCESS_TOKEN: 'not-a-real-access-token',
      OLARES_REFRESH_TOKEN: FAKE_TOKEN,
      OLARES_OTHER_SECRET: 'another-value',
    });
    const mcp = await open(env);
    for (const name of ['OLARES_ACCESS_TOKEN', 'OLARES_OTHER_SECRET', 'HOME', 'olares_refresh_token']) {
      const r = await mcp.call('profile_import', { olaresId: 'alice@olares.com', refreshTokenEnv: name });
      expect(textOf(r)).toMatch(/refreshTokenEnv may only name OLARES_REFRESH_TOKEN/);
    }
    // OLARES_ID binds the variable to its identity: not even a trusted host gets it for bob.
    const bob = await mcp.call('profile_import', {
      olaresId: 'bob@olares.com',
      refreshTokenEnv: 'OLARES_REFRESH_TOKEN',
    });
    expect(textOf(bob)).toMatch(/belongs to OLARES_ID alice@olares.com.*not for bob@olares.com/);
    expect(refreshes()).toBe(0);
    const alice = await mcp.call('profile_import', {
      olaresId: 'alice@olares.com',
      refreshTokenEnv: 'OLARES_REFRESH_TOKEN',
    });
    expect(textOf(alice)).toMatch(/refresh token rejected by server/);
    expect(refreshes()).toBe(1);
  });

  it('C1: refreshTokenFile outside the local roots, /proc/self/environ, or a symlink is refused with one generic message', async () => {
    const roots = join(work, 'roots');
    const outsideDir = join(work, 'outside');
    await mkdir(roots);
    await mkdir(outsideDir);
    const outside = join(outsideDir, 'secret.txt');
    await writeFile(outside, 'ghp_SUPERSECRETGITHUBTOKEN123\n');
    await symlink(outside, join(roots, 'link.txt'));
    await symlink(outsideDir, join(roots, 'dirlink'));
    const mcp = await open(observed({ OLARES_LOCAL_ROOTS: roots }));
    const tries = [
      outside,
      '/proc/self/environ',
      join(roots, 'link.txt'),
      join(roots, 'dirlink', 'secret.txt'),
      join(roots, '..', 'outside', 'secret.txt'),
      'relative/rt.txt',
    ];
    const texts = new Set<string>();
    for (const refreshTokenFile of tries) {
      const r = await mcp.call('profile_import', { olaresId: 'bob@olares.com', refreshTokenFile });
      expect(r.isError).toBe(true);
      texts.add(textOf(r));
    }
    expect([...texts]).toHaveLength(1);
    const [text] = texts;
    expect(text).toMatch(/^refreshTokenFile cannot be used\./);
    expect(text).not.toMatch(/ghp_|SUPERSECRET|PATH=|ENOENT|ELOOP|bytes|lines/);
    expect(refreshes()).toBe(0);
    // The same token in a plain file inside the roots does go to the (trusted) auth host.
    await writeFile(join(roots, 'rt.txt'), `${FAKE_TOKEN}\n`);
    const ok = await mcp.call('profile_import', {
      olaresId: 'bob@olares.com',
      refreshTokenFile: join(roots, 'rt.txt'),
    });
    expect(textOf(ok)).toMatch(/refresh token rejected by server/);
    expect(refreshes()).toBe(1);
  });

  it('C1: import in read-only mode accepts only the env source', async () => {
    const file = await tokenFile();
    const mcp = await open(
      observed({ OLARES_READ_ONLY: '1', OLARES_LOCAL_ROOTS: work, OLARES_REFRESH_TOKEN: FAKE_TOKEN }),
    );
    const tools = await mcp.listTools();
    expect(tools.map((t) => t.name)).toContain('profile_import');
    const r = await mcp.call('profile_import', { olaresId: 'bob@olares.com', refreshTokenFile: file });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/OLARES_READ_ONLY is on: profile_import reads only refreshTokenEnv/);
    expect(refreshes()).toBe(0);
    const env = await mcp.call('profile_import', {
      olaresId: 'bob@olares.com',
      refreshTokenEnv: 'OLARES_REFRESH_TOKEN',
    });
    expect(textOf(env)).toMatch(/refresh token rejected by server/);
    expect(refreshes()).toBe(1);
  });

  it('C1: a tool-initiated import does not switch the current profile', async () => {
    await box.login('alice@olares.com');
    await box.login('bob@olares.com');
    const bobToken = (await box.auth.stores.file.get('bob@olares.com'))!.refreshToken!;
    await box.auth.removeProfile('bob@olares.com');
    const file = await tokenFile('bob.txt', `${bobToken}\n`);
    const env = observed({ OLARES_LOCAL_ROOTS: work });
    const plain = await open(env);
    // Asked to switch, but nobody can confirm: nothing is sent, nothing stored.
    const refused = await plain.call('profile_import', {
      olaresId: 'bob@olares.com',
      refreshTokenFile: file,
      makeCurrent: true,
    });
    expect(refused.isError).toBe(true);
    expect(refreshes()).toBe(0);
    const r = await plain.call('profile_import', { olaresId: 'bob@olares.com', refreshTokenFile: file });
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(r.structuredContent.switched).toBe(false);
    expect(textOf(r)).toMatch(/the current profile did not change/);
    expect(await currentOf(plain)).toBe('alice@olares.com');
    // profile_use is a switch too: refused without a confirmation, done after a yes.
    const use = await plain.call('profile_use', { name: 'bob@olares.com' });
    expect(use.isError).toBe(true);
    expect(await currentOf(plain)).toBe('alice@olares.com');
    const yes = await formClient(env, 'yes');
    const used = await yes.s.call('profile_use', { name: 'bob@olares.com' });
    expect(used.structuredContent).toMatchObject({ changed: true });
    expect(yes.asked[0]).toMatch(/Make bob@olares.com the current Olares profile\?/);
    // A page login does not switch either.
    await box.auth.removeProfile('alice@olares.com');
    await box.auth.profiles.use('bob@olares.com');
    const link = await plain.call('profile_login', { olaresId: 'alice@olares.com' });
    const done = await completeLogin(link.structuredContent.loginUrl, box.password('alice@olares.com'), () =>
      box.totp('alice@olares.com'),
    );
    expect(done.html).toContain('Logged in as');
    expect(await currentOf(plain)).toBe('bob@olares.com');
  });

  it('M5: the login page names the scheme and host, warns on a new host, and sends nothing until the olaresId is typed', async () => {
    const mcp = await open(observed({ OLARES_URL_TEMPLATE: '' }));
    for (const u of UNTRUSTED) {
      const r = await mcp.call('profile_login', { olaresId: u.olaresId });
      expect(r.structuredContent).toMatchObject({
        status: 'pending',
        newHost: true,
        authUrl: `https://${u.authHost}`,
      });
      const url: string = r.structuredContent.loginUrl;
      const page = await pageRequest(url);
      expect(page.html).toContain(`<b>https://${u.authHost}</b>`);
      expect(page.html).toMatch(/<b>New host:<\/b>/);
      expect(page.html).toContain('name="olaresId"');
      for (const typed of ['', 'alice@olares.com', `${u.olaresId}x`]) {
        const wrong = await submitStep(url, 'password', 'hunter2', typed);
        expect(wrong.status).toBe(401);
        expect(wrong.html).toMatch(/does not match .*nothing was sent/);
      }
      // A form without the field at all (an old page, a forged post) is refused the same way.
      const fields = hiddenFields((await pageRequest(url)).html);
      const bare = await pageRequest(url, {
        method: 'POST',
        body: new URLSearchParams({ ...fields, password: 'hunter2' }).toString(),
      });
      expect(bare.html).toMatch(/does not match/);
      expect(await touched(u.domain)).toEqual([]);
      // Typed right, the page goes to that host (here it does not resolve): the observer sees it.
      const typed = await submitStep(url, 'password', 'hunter2', u.olaresId);
      expect(typed.html).not.toMatch(/does not match/);
      expect(await touched(u.domain)).toContain(`lookup ${u.authHost}`);
    }
    // The simulator's fixed host is trusted: no warning, but the plain-http scheme is named.
    const local = await open(observed());
    const r = await local.call('profile_login', { olaresId: 'bob@olares.com' });
    expect(r.structuredContent.newHost).toBe(false);
    const page = await pageRequest(r.structuredContent.loginUrl);
    expect(page.html).toContain(`<b>http://${new URL(box.sim.url).host}</b>`);
    expect(page.html).toMatch(/plain http/);
    expect(page.html).not.toMatch(/New host/);
  });

  it('L4: a profile name that reads as another olaresId or is taken is refused, and olaresIds resolve before names', async () => {
    await box.login('alice@olares.com', { name: 'work' });
    const file = await tokenFile();
    const logins = box.sim.count('POST /auth/api/firstfactor');
    const mcp = await open(observed({ OLARES_LOCAL_ROOTS: work }));
    const shadow = await mcp.call('profile_login', { olaresId: 'bob@olares.com', name: 'alice@olares.com' });
    expect(textOf(shadow)).toMatch(/profile name "alice@olares.com" reads as another identity/);
    const taken = await mcp.call('profile_import', {
      olaresId: 'bob@olares.com',
      name: 'work',
      refreshTokenFile: file,
    });
    expect(textOf(taken)).toMatch(/profile name "work" is already used by the profile for alice@olares.com/);
    const idAsName = await mcp.call('profile_login', { olaresId: 'bob@olares.com', name: 'work@' });
    expect(textOf(idAsName)).toMatch(/is not an olaresId/);
    expect(refreshes()).toBe(0);
    expect(box.sim.count('POST /auth/api/firstfactor')).toBe(logins);
    // A config written before the rule (bob named after alice): the olaresId still means alice.
    await writeFile(
      box.auth.paths.config,
      JSON.stringify({
        currentProfile: 'alice@olares.com',
        profiles: [
          { olaresId: 'bob@olares.com', name: 'alice@olares.com', tokenStore: 'file' },
          { olaresId: 'alice@olares.com', name: 'work', tokenStore: 'file' },
        ],
      }),
    );
    const list = await mcp.call('profile_list', { profile: 'alice@olares.com' });
    const marked = list.structuredContent.profiles.filter((p: any) => p.current).map((p: any) => p.olaresId);
    expect(marked).toEqual(['alice@olares.com']);
    expect(await currentOf(mcp)).toBe('alice@olares.com');
  });

  it('L7: plain-http templates start only for local networks unless OLARES_ALLOW_HTTP=1, and the scheme is shown', async () => {
    const publicHttp = observed({ OLARES_URL_TEMPLATE: 'http://{service}.{terminus}' });
    const stopped = spawnSync(process.execPath, [CLI], { env: publicHttp, input: '', encoding: 'utf8' });
    expect(stopped.status).toBe(1);
    expect(stopped.stderr).toMatch(
      /OLARES_URL_TEMPLATE "http:\/\/\{service\}\.\{terminus\}": .*plain http.*OLARES_ALLOW_HTTP=1/,
    );
    for (const template of [
      'http://10.1.2.3/{service}',
      'http://[::1]:9/{service}',
      'http://192.168.7.7/{service}',
    ]) {
      const s = await open(observed({ OLARES_URL_TEMPLATE: template }));
      expect((await s.call('profile_list')).isError).toBeFalsy();
    }
    const allowed = await open({ ...publicHttp, OLARES_ALLOW_HTTP: '1' });
    const r = await allowed.call('profile_login', { olaresId: 'carol@example.test' });
    expect(r.structuredContent.authUrl).toBe('http://auth.carol.example.test');
    const page = await pageRequest(r.structuredContent.loginUrl);
    expect(page.html).toContain('<b>http://auth.carol.example.test</b>');
    expect(page.html).toMatch(/plain http: your password travels unencrypted/);
    // At use: a profile's http override to a public host is refused before any request.
    await writeFile(
      box.auth.paths.config,
      JSON.stringify({
        profiles: [
          { olaresId: 'dave@example.test', authUrlOverride: 'http://auth.example.test', tokenStore: 'file' },
        ],
      }),
    );
    const local = await open(observed());
    const refused = await local.call('profile_login', { olaresId: 'dave@example.test' });
    expect(textOf(refused)).toMatch(/http:\/\/auth\.example\.test is plain http .*OLARES_ALLOW_HTTP=1/);
    expect(await touched('example.test')).toEqual([]);
    const doctor = await local.call('doctor', { profile: 'dave@example.test' });
    expect(textOf(doctor)).toMatch(/plain http/);
    // doctor names the scheme of a working profile too.
    await box.login('bob@olares.com');
    const d = await local.call('doctor', { profile: 'bob@olares.com' });
    expect(d.structuredContent.authHost).toMatchObject({ scheme: 'http', trusted: true });
    expect(textOf(d)).toMatch(/auth host: http:\/\/127\.0\.0\.1:\d+ \(plain http, unencrypted\)/);
  });

  it('L8: profile_import errors reveal neither existence, size nor line count of a file', async () => {
    const roots = join(work, 'roots');
    await mkdir(roots);
    await writeFile(join(roots, 'shadow'), Array.from({ length: 24 }, (_, i) => `user${i}:x:1`).join('\n'));
    await writeFile(join(roots, 'big'), Buffer.alloc(10 * 1024 * 1024, 65));
    await writeFile(join(roots, 'nul'), 'abc\0def');
    await writeFile(join(roots, 'spaces'), 'two words');
    await mkdir(join(roots, 'dir'));
    const mcp = await open(observed({ OLARES_LOCAL_ROOTS: roots }));
    const texts = new Set<string>();
    for (const name of ['shadow', 'big', 'nul', 'spaces', 'dir', 'missing']) {
      const r = await mcp.call('profile_import', {
        olaresId: 'bob@olares.com',
        refreshTokenFile: join(roots, name),
      });
      expect(r.isError).toBe(true);
      texts.add(textOf(r));
    }
    const missingOutside = await mcp.call('profile_import', {
      olaresId: 'bob@olares.com',
      refreshTokenFile: '/root/.ssh/id_rsa',
    });
    texts.add(textOf(missingOutside));
    expect([...texts]).toHaveLength(1);
    expect([...texts][0]).not.toMatch(/\d{2,}|ENOENT|EISDIR|found|non-empty|user0/);
    expect(refreshes()).toBe(0);
  });

  it('OLARES_PROFILE_LOCK pins the profile', async () => {
    await box.login('alice@olares.com', { name: 'alice' });
    await box.login('bob@olares.com', { name: 'bob' });
    const pinned = await formClient(observed({ OLARES_PROFILE: 'alice', OLARES_PROFILE_LOCK: '1' }), 'yes');
    const other = await pinned.s.call('dashboard_overview', { profile: 'bob' });
    expect(other.isError).toBe(true);
    expect(textOf(other)).toMatch(/OLARES_PROFILE_LOCK=1 pins every call to the profile alice/);
    const byId = await pinned.s.call('files_ls', { path: 'drive/Home', profile: 'bob@olares.com' });
    expect(textOf(byId)).toMatch(/OLARES_PROFILE_LOCK/);
    const unknown = await pinned.s.call('profile_list', { profile: 'nobody' });
    expect(textOf(unknown)).toMatch(/OLARES_PROFILE_LOCK/);
    const same = await pinned.s.call('dashboard_overview', { profile: 'alice@olares.com' });
    expect(same.isError, textOf(same)).toBeFalsy();
    const implicit = await pinned.s.call('doctor');
    expect(implicit.structuredContent.olaresId).toBe('alice@olares.com');
    // Without OLARES_PROFILE the current profile (bob) is pinned, and a switch away is refused
    // even though the user would say yes.
    const current = await formClient(observed({ OLARES_PROFILE_LOCK: '1' }), 'yes');
    const use = await current.s.call('profile_use', { name: 'alice' });
    expect(textOf(use)).toMatch(/OLARES_PROFILE_LOCK=1 pins every call to the profile bob@olares.com/);
    expect(current.asked).toEqual([]);
    expect((await current.s.call('dashboard_overview', { profile: 'alice' })).isError).toBe(true);
    // Unlocked, the same argument works: the lock is what refused it.
    const free = await open(observed());
    expect((await free.call('dashboard_overview', { profile: 'alice' })).isError).toBeFalsy();
  });
});
