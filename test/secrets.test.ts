// No secret ever leaves through MCP: every JSON-RPC message, stderr line (with debug logging on)
// and file under OLARES_MCP_HOME except tokens/ is scanned for the passwords, their wire hashes,
// the TOTP codes and every access and refresh token the simulator issued.
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../src/auth/authApi.js';
import { tokenExpiry } from '../src/auth/jwt.js';
import { completeLogin } from './helpers/browser.js';
import { connect, type McpSession } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';
import { eventually } from './helpers/wait.js';

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = join(dir, d.name);
    if (d.isDirectory()) out.push(...(await filesUnder(full)));
    else out.push(full);
  }
  return out;
}

describe('secrets never leave the server process', () => {
  let box: TestBox;
  const secrets = new Set<string>();
  const sessions: McpSession[] = [];

  beforeAll(async () => {
    box = await makeBox({ env: { OLARES_MCP_DEBUG: '1' }, marketStepMs: 20 });
    const issueAccess = box.sim.issueAccessToken.bind(box.sim);
    const issueRefresh = box.sim.issueRefreshToken.bind(box.sim);
    box.sim.issueAccessToken = async (...a) => {
      const t = await issueAccess(...a);
      secrets.add(t);
      return t;
    };
    box.sim.issueRefreshToken = (...a) => {
      const t = issueRefresh(...a);
      secrets.add(t);
      return t;
    };
    for (const spec of box.sim.specs) {
      secrets.add(spec.password);
      secrets.add(hashPassword(spec.password));
      if (spec.totpSecret) secrets.add(spec.totpSecret);
    }
  });
  afterAll(async () => {
    for (const s of sessions) await s.close().catch(() => {});
    await box?.close();
  });

  it('finds none after logins, imports, refreshes, invalidation and every tool in good and bad calls', async () => {
    const env = { ...box.env, OLARES_LOCAL_ROOTS: box.home, OLARES_MARKET_POLL_MS: '20' };
    // 1. URL-elicitation login with password + TOTP
    const urlClient = await connect(env, { elicitation: { url: {}, form: {} } });
    sessions.push(urlClient);
    urlClient.onElicit(async (params: any) => {
      if (params.mode === 'url') {
        setTimeout(async () => {
          const code = await box.totp('alice@olares.com');
          secrets.add(code);
          await completeLogin(params.url, 'a-wrong-password-123'); // a failed attempt first
          await completeLogin(params.url, box.password('alice@olares.com'), async () => code);
        }, 20);
        return { action: 'accept' };
      }
      return { action: 'accept', content: { confirm: true } };
    });
    secrets.add('a-wrong-password-123');
    expect(
      (await urlClient.call('profile_login', { olaresId: 'alice@olares.com', name: 'alice' }))
        .structuredContent.status,
    ).toBe('logged-in');

    // 2. link login without elicitation, with short-lived tokens so calls refresh
    box.sim.options.accessTokenTtlSec = 1;
    const plain = await connect(env);
    sessions.push(plain);
    const link = await plain.call('profile_login', { olaresId: 'bob@olares.com', name: 'bob' });
    expect(
      (await completeLogin(link.structuredContent.loginUrl, box.password('bob@olares.com'))).html,
    ).toContain('Logged in as');
    box.sim.options.accessTokenTtlSec = 3600;
    // Wait until bob's 1 s token is past its exp, so the calls below go through a refresh.
    const bobExp = tokenExpiry((await box.auth.stores.file.get('bob@olares.com'))?.accessToken);
    expect(bobExp.kind).toBe('exp');
    await eventually(() => bobExp.kind === 'exp' && Date.now() / 1000 > bobExp.exp, "bob's token to expire");

    // 3. import from a file and from an env var
    const bobRecord = await box.auth.stores.file.get('bob@olares.com');
    const rtFile = join(box.home, '..', `rt-${Date.now()}.txt`);
    await writeFile(rtFile, `${bobRecord!.refreshToken}\n`);
    const importer = await connect({
      ...env,
      OLARES_LOCAL_ROOTS: join(box.home, '..'), // the token file stays outside the scanned home
      OLARES_REFRESH_TOKEN: 'rt-not-a-real-token-xyz',
    });
    sessions.push(importer);
    secrets.add('rt-not-a-real-token-xyz');
    const imported = await importer.call('profile_import', {
      olaresId: 'bob@olares.com',
      refreshTokenFile: rtFile,
    });
    expect(imported.isError, JSON.stringify(imported.content)).toBeFalsy();
    await importer.call('profile_import', {
      olaresId: 'carol@olares.com',
      refreshTokenEnv: 'OLARES_REFRESH_TOKEN',
    });
    await importer.call('profile_import', {
      olaresId: 'carol@olares.com',
      refreshTokenFile: '/etc/hostname',
    });

    // 4. every tool's success path, asserted, as alice (the form client confirms every change);
    // then a bad call of every tool from both sessions, and bob's stale token refreshing.
    const tools = await plain.listTools();
    await writeFile(join(box.home, 'up.txt'), 'hello');
    const succeeded = new Set<string>(['profile_login', 'profile_import']); // steps 1-3, asserted there
    const ok = async (tool: string, args: Record<string, unknown> = {}) => {
      const r = await urlClient.call(tool, { profile: 'alice', ...args });
      expect(r.isError, `${tool}: ${JSON.stringify(r.content)}`).toBeFalsy();
      succeeded.add(tool);
      return r.structuredContent;
    };
    await ok('files_ls', { path: 'drive/Home' });
    await ok('files_stat', { path: 'drive/Home/Documents' });
    await ok('files_cat', { path: 'drive/Home/Documents/welcome.txt' });
    await ok('files_upload', { localPath: join(box.home, 'up.txt'), remotePath: 'drive/Home/' });
    await ok('files_download', { remotePath: 'drive/Home/up.txt', localPath: join(box.home, 'down.txt') });
    await ok('files_mkdir', { path: 'drive/Home/S', parents: true });
    await ok('files_rename', { path: 'drive/Home/S', newName: 'T' });
    await ok('files_cp', { sources: ['drive/Home/Documents/welcome.txt'], destination: 'drive/Home/T/' });
    await ok('files_mv', { sources: ['drive/Home/T/welcome.txt'], destination: 'drive/Home/' });
    await ok('files_rm', { paths: ['drive/Home/T'], recursive: true });
    await ok('files_archive', {
      action: 'compress',
      sources: ['drive/Home/Documents/welcome.txt'],
      destination: 'drive/Home/w.zip',
    });
    const { share } = await ok('files_share_create', { path: 'drive/Home/Documents', type: 'internal' });
    expect((await ok('files_share_list')).shares.map((x: any) => x.id)).toContain(share.id);
    await ok('files_share_remove', { ids: [share.id] });
    await ok('market_list');
    await ok('market_install', { app: 'firefox', version: '1.2.3', wait: true });
    await ok('market_get', { app: 'firefox' });
    await ok('market_status', { app: 'firefox' });
    await ok('market_stop', { app: 'firefox', wait: true });
    await ok('market_resume', { app: 'firefox', wait: true });
    await ok('market_restart', { app: 'firefox', wait: true });
    await ok('market_upgrade', { app: 'firefox', wait: true });
    await ok('market_uninstall', { app: 'firefox', wait: true });
    await ok('market_install', { app: 'jellyfin' });
    await ok('market_cancel', { app: 'jellyfin', wait: true });
    const { pods } = await ok('cluster_pods', { namespace: 'user-space-alice', limit: 100 });
    const pod = (prefix: string) => pods.find((x: any) => x.name.startsWith(`${prefix}-`)).name as string;
    const n8n = { namespace: 'user-space-alice', pod: pod('n8n') };
    await ok('cluster_pod_get', n8n);
    await ok('cluster_pod_logs', { ...n8n, tail: 5 });
    await ok('cluster_pod_events', n8n);
    await ok('cluster_namespaces');
    await ok('cluster_nodes');
    await ok('cluster_apps');
    await ok('cluster_app_status', { namespace: 'user-space-alice' });
    await ok('cluster_pod_restart', { namespace: 'user-space-alice', pod: pod('jellyfin') });
    await ok('cluster_pod_delete', n8n);
    await ok('dashboard_overview');
    await ok('doctor');
    await ok('profile_list');
    await ok('profile_use', { name: 'alice' });
    for (const session of [plain, urlClient]) {
      for (const t of tools) await session.call(t.name, { profile: 'nobody', bogus: 1 }).catch(() => {});
    }
    for (const t of tools.filter((t) => t.annotations?.readOnlyHint))
      await plain.call(t.name, t.name === 'files_ls' ? { path: 'drive/Home' } : {}).catch(() => {});

    // 5. a dead grant: refresh answers 401, the error path is exercised too
    box.sim.revokeRefreshTokens('bob@olares.com');
    box.sim.options.accessTokenTtlSec = 1;
    await box.auth.stores.file.set({
      ...(await box.auth.stores.file.get('bob@olares.com'))!,
      accessToken: await box.sim.issueAccessToken(box.sim.userById('bob@olares.com')!, { ttlSec: -10 }),
    });
    const dead = await plain.call('files_ls', { path: 'drive/Home', profile: 'bob' });
    expect(dead.isError).toBe(true);
    await plain.call('doctor', { profile: 'bob' });
    // Removing the dead profile is the last success path.
    await ok('profile_remove', { name: 'bob' });
    expect(tools.map((t) => t.name).filter((t) => !succeeded.has(t))).toEqual([]);

    // Scan.
    for (const s of sessions) await s.close();
    sessions.length = 0;
    expect(secrets.size).toBeGreaterThan(8);
    const haystacks: Array<[string, string]> = [
      ['json-rpc messages', JSON.stringify([urlClient.messages, plain.messages, importer.messages])],
      ['stderr', [urlClient, plain, importer].map((s) => s.stderr.join('')).join('\n')],
    ];
    for (const f of await filesUnder(box.home)) {
      const rel = relative(box.home, f);
      if (rel.startsWith('tokens') || (await stat(f)).size > 1_000_000) continue;
      haystacks.push([rel, await readFile(f, 'utf8')]);
    }
    expect(haystacks.some(([name]) => name === 'audit.log')).toBe(true);
    expect(haystacks[0][1].length).toBeGreaterThan(10_000); // the scan really saw the traffic
    const hits: string[] = [];
    // A 6-digit TOTP code must match as a whole number, not inside a timestamp or a size.
    const found = (text: string, s: string) =>
      /^\d{6}$/.test(s) ? new RegExp(`(?<!\\d)${s}(?!\\d)`).test(text) : text.includes(s);
    for (const [name, text] of haystacks) {
      for (const s of secrets)
        if (found(text, s)) hits.push(`${name} contains a secret (${s.slice(0, 6)}...)`);
    }
    expect(hits).toEqual([]);
  });
});
