// Trust boundary of the state directory (the security review, README "Security model" M1, L6, L3), end to end: the
// built server over stdio against the simulator, with the state directory tampered with first.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, chown, link, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { skippedStateChecks } from '../src/auth/stateDir.js';
import { connect, type McpSession, textOf } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';

// Drive chunks go to the node-bound link the files pod hands out (handlefunc.go).
const CHUNK_ROUTE = 'POST /files/upload/upload-link/:node/:uid';
const isRoot = process.geteuid?.() === 0;
const needsRoot = (title: string) =>
  isRoot ? title : `${title} (skipped: only root can chown to another uid here)`;

/** Polls with a deadline: stderr travels on its own pipe, behind the result. */
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

async function auditLines(home: string): Promise<any[]> {
  const text = await readFile(join(home, 'audit.log'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/** How blobs were written before identity binding: AES-256-GCM with no additional data. */
function legacyBlob(key: Buffer, record: object): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(record), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

function opens(key: Buffer, blob: Buffer, aad?: string): boolean {
  try {
    const d = createDecipheriv('aes-256-gcm', key, blob.subarray(0, 12));
    if (aad !== undefined) d.setAAD(Buffer.from(aad));
    d.setAuthTag(blob.subarray(blob.length - 16));
    d.update(blob.subarray(12, blob.length - 16));
    d.final();
    return true;
  } catch {
    return false;
  }
}

describe('state directory trust', () => {
  let box: TestBox;
  let mcp: McpSession | undefined;
  let outside: string;

  beforeEach(async () => {
    box = await makeBox();
    await box.login('bob@olares.com');
    outside = await mkdtemp(join(tmpdir(), 'olares-mcp-outside-'));
  });
  afterEach(async () => {
    await mcp?.close();
    mcp = undefined;
    await chown(box.home, process.getuid!(), process.getgid!()).catch(() => {});
    await box.close();
    await rm(outside, { recursive: true, force: true });
  });

  it('M1: a world-writable home is fixed to 0700 before use', async () => {
    const tokens = join(box.home, 'tokens');
    await chmod(box.home, 0o777);
    await chmod(tokens, 0o777);
    await chmod(join(box.home, 'config.json'), 0o666);
    mcp = await connect(box.env);
    const list = await mcp.call('profile_list');
    expect(list.isError, textOf(list)).toBeFalsy();
    expect(list.structuredContent.profiles.map((p: any) => p.olaresId)).toEqual(['bob@olares.com']);
    expect(await modeOf(box.home)).toBe(0o700);
    expect(await modeOf(tokens)).toBe(0o700);
    expect(await modeOf(join(box.home, 'config.json'))).toBe(0o600);
    await until(() => mcp!.stderr.join('').includes(`${box.home} was open to other users (mode 0777)`));
  });

  it.skipIf(!isRoot)(needsRoot('M1: a home owned by another user is refused, naming the path'), async () => {
    const configBefore = await readFile(join(box.home, 'config.json'), 'utf8');
    await chown(box.home, 1001, 1001);
    mcp = await connect(box.env);
    for (const [tool, args] of [
      ['profile_list', {}],
      ['files_mkdir', { path: 'drive/Home/Documents/planted' }],
    ] as const) {
      const r = await mcp.call(tool, args);
      expect(r.isError, `${tool}: ${textOf(r)}`).toBe(true);
      expect(textOf(r)).toContain(`refusing to use ${box.home}: it is owned by uid 1001`);
      expect(textOf(r)).toMatch(/Fix: .*chown .*OLARES_MCP_HOME/);
    }
    expect(await readFile(join(box.home, 'config.json'), 'utf8')).toBe(configBefore);
    await expect(stat(join(box.home, 'audit.log'))).rejects.toThrow(/ENOENT/);
    const fileWrites = [...box.sim.counters.keys()].filter(
      (k) => k.includes('/files') && !k.startsWith('GET'),
    );
    expect(fileWrites).toEqual([]);
  });

  it.skipIf(!isRoot)(
    needsRoot('M1: config.json and master.key owned by another user are refused, then used once fixed'),
    async () => {
      for (const file of [join(box.home, 'config.json'), join(box.home, 'tokens', 'master.key')]) {
        await chown(file, 1001, 1001);
        const session = await connect(box.env);
        try {
          const r = await session.call('files_ls', { path: 'drive/Home' });
          expect(r.isError, textOf(r)).toBe(true);
          expect(textOf(r)).toContain(`refusing to use ${file}: it is owned by uid 1001`);
          await chown(file, process.getuid!(), process.getgid!());
          const fixed = await session.call('files_ls', { path: 'drive/Home' });
          expect(fixed.isError, textOf(fixed)).toBeFalsy();
        } finally {
          await session.close();
        }
      }
    },
  );

  it('M1: a symlinked tokens/ is refused, and doctor says why', async () => {
    const tokens = join(box.home, 'tokens');
    const elsewhere = join(outside, 'tokens');
    await mkdir(elsewhere, { mode: 0o700 });
    await rm(tokens, { recursive: true });
    await symlink(elsewhere, tokens);
    mcp = await connect(box.env);
    const ls = await mcp.call('files_ls', { path: 'drive/Home' });
    expect(ls.isError).toBe(true);
    expect(textOf(ls)).toContain(`refusing to use ${tokens}: it is a symbolic link`);
    const doctor = await mcp.call('doctor');
    expect(doctor.structuredContent.stateDir).toMatchObject({ path: box.home, trusted: false });
    expect(doctor.structuredContent.stateDir.skippedChecks).toEqual([]);
    expect(textOf(doctor)).toContain('REFUSED');
  });

  it('M1: audit.log as a symlink is never followed', async () => {
    const target = join(outside, 'bashrc');
    await writeFile(target, 'ORIGINAL\n');
    await symlink(target, join(box.home, 'audit.log'));
    mcp = await connect(box.env);
    const mk = await mcp.call('files_mkdir', { path: 'drive/Home/Documents/$(touch pwned)' });
    expect(mk.isError).toBe(true);
    expect(textOf(mk)).toContain(`refusing to use ${join(box.home, 'audit.log')}: it is a symbolic link`);
    expect(await readFile(target, 'utf8')).toBe('ORIGINAL\n');
    // Refused before the change: nothing unaudited happened on the box either.
    const st = await mcp.call('files_stat', { path: 'drive/Home/Documents/$(touch pwned)' });
    expect(st.structuredContent.exists).toBe(false);

    // A hard link to the same file is refused the same way.
    await rm(join(box.home, 'audit.log'));
    await link(target, join(box.home, 'audit.log'));
    const again = await mcp.call('files_mkdir', { path: 'drive/Home/Documents/x' });
    expect(textOf(again)).toMatch(/audit\.log: it has 2 hard links/);
    expect(await readFile(target, 'utf8')).toBe('ORIGINAL\n');
  });

  it('M1: config.json with an authUrlOverride to a foreign http host is refused', async () => {
    const configPath = join(box.home, 'config.json');
    const config = JSON.parse(await readFile(configPath, 'utf8'));
    const withOverride = async (fields: object) => {
      config.profiles[0] = { ...config.profiles[0], authUrlOverride: undefined, ...fields };
      await writeFile(configPath, JSON.stringify(config), { mode: 0o600 });
    };
    await withOverride({ authUrlOverride: 'http://user:hunter2@10.1.2.3:18081' });
    mcp = await connect(box.env);
    let ls = await mcp.call('files_ls', { path: 'drive/Home' });
    expect(ls.isError).toBe(true);
    expect(textOf(ls)).toContain(configPath);
    expect(textOf(ls)).toMatch(/authUrlOverride must not carry a user name or password/);
    expect(textOf(ls)).not.toContain('hunter2');

    await withOverride({ authUrlOverride: 'ftp://10.1.2.3:18081' });
    ls = await mcp.call('files_ls', { path: 'drive/Home' });
    expect(ls.isError).toBe(true);
    expect(textOf(ls)).toMatch(/authUrlOverride ftp:\/\/10\.1\.2\.3:18081 must be an https URL/);

    // Plain http to a public host: refused where the URL is used (the L7 rule, as for templates).
    await withOverride({ authUrlOverride: 'http://203.0.113.5:18081' });
    ls = await mcp.call('files_ls', { path: 'drive/Home' });
    expect(ls.isError).toBe(true);
    expect(textOf(ls)).toMatch(/http:\/\/203\.0\.113\.5:18081 is plain http .*OLARES_ALLOW_HTTP=1/);

    await withOverride({ localUrlPrefix: 'evil.com/#' });
    ls = await mcp.call('files_ls', { path: 'drive/Home' });
    expect(textOf(ls)).toMatch(/config\.json is not valid .*localUrlPrefix must be host labels/);

    // Loopback http is what a person sets up for a local box: accepted, and doctor shows it.
    const loopbackAuth = box.sim.urlTemplate.replace('{service}', 'auth');
    delete config.profiles[0].localUrlPrefix;
    await withOverride({ authUrlOverride: loopbackAuth });
    ls = await mcp.call('files_ls', { path: 'drive/Home' });
    expect(ls.isError, textOf(ls)).toBeFalsy();
    const doctor = await mcp.call('doctor');
    expect(doctor.structuredContent.urlOverrides).toEqual({ authUrlOverride: loopbackAuth });
    expect(textOf(doctor)).toContain(`url overrides (config.json): authUrlOverride=${loopbackAuth}`);
  });
});

it('M1: on win32 the POSIX checks are skipped, and doctor lists which', () => {
  expect(skippedStateChecks('linux')).toEqual([]);
  const skipped = skippedStateChecks('win32');
  expect(skipped.join('; ')).toMatch(/state directory.*config\.json.*audit\.log/);
});

describe('token blobs bound to their identity', () => {
  let box: TestBox;
  let mcp: McpSession | undefined;
  const blob = (id: string) => join(box.home, 'tokens', `${id}.enc`);

  beforeEach(async () => {
    box = await makeBox();
    await box.login('bob@olares.com');
    await box.login('alice@olares.com');
  });
  afterEach(async () => {
    await mcp?.close();
    mcp = undefined;
    await box.close();
  });

  it("L6: a token blob copied over another identity's is refused", async () => {
    const bobs = await readFile(blob('bob@olares.com'));
    await writeFile(blob('alice@olares.com'), bobs, { mode: 0o600 });
    mcp = await connect(box.env);
    const r = await mcp.call('files_ls', { path: 'drive/Home', profile: 'alice@olares.com' });
    expect(r.isError, textOf(r)).toBe(true);
    expect(textOf(r)).toMatch(/stored token for alice@olares.com .* cannot be decrypted/);
    expect((await readFile(blob('alice@olares.com'))).equals(bobs)).toBe(true);

    // An old unbound blob of bob's under alice's name: it decrypts, but names bob, so it is refused.
    const key = await readFile(join(box.home, 'tokens', 'master.key'));
    const bobRecord = await box.auth.stores.file.get('bob@olares.com');
    await writeFile(blob('alice@olares.com'), legacyBlob(key, bobRecord!), { mode: 0o600 });
    const legacy = await mcp.call('files_ls', { path: 'drive/Home', profile: 'alice@olares.com' });
    expect(legacy.isError).toBe(true);
    expect(textOf(legacy)).toMatch(/was written for bob@olares.com, not alice@olares.com; it was refused/);
    const still = await mcp.call('files_ls', { path: 'drive/Home', profile: 'bob@olares.com' });
    expect(still.isError, textOf(still)).toBeFalsy();
  });

  it('L6: a legacy blob without AAD is read once and rewritten', async () => {
    const key = await readFile(join(box.home, 'tokens', 'master.key'));
    const record = await box.auth.stores.file.get('bob@olares.com');
    const old = legacyBlob(key, record!);
    await writeFile(blob('bob@olares.com'), old, { mode: 0o600 });
    mcp = await connect(box.env);
    // files_ls: a call no role refuses (a sub-account's dashboard 403 would cost a refresh).
    const first = await mcp.call('files_ls', { path: 'drive/Home', profile: 'bob@olares.com' });
    expect(first.isError, textOf(first)).toBeFalsy();
    const rewritten = await readFile(blob('bob@olares.com'));
    expect(rewritten.equals(old)).toBe(false);
    expect(opens(key, rewritten, 'bob@olares.com')).toBe(true);
    expect(opens(key, rewritten)).toBe(false);
    expect(await modeOf(blob('bob@olares.com'))).toBe(0o600);
    // Still reads, in this process and in a fresh one, with the same grant.
    await mcp.close();
    mcp = await connect(box.env);
    const list = await mcp.call('profile_list');
    expect(list.structuredContent.profiles.find((p: any) => p.olaresId === 'bob@olares.com').status).toMatch(
      /^logged-in/,
    );
    const again = await mcp.call('files_ls', { path: 'drive/Home', profile: 'bob@olares.com' });
    expect(again.isError, textOf(again)).toBeFalsy();
    expect((await box.auth.stores.file.get('bob@olares.com'))?.refreshToken).toBe(record!.refreshToken);
  });
});

describe('audit attempt and outcome', () => {
  let box: TestBox;
  let mcp: McpSession;
  let work: string;

  beforeEach(async () => {
    box = await makeBox();
    await box.login('bob@olares.com');
    work = await mkdtemp(join(tmpdir(), 'olares-mcp-audit-'));
    mcp = await connect({
      ...box.env,
      OLARES_LOCAL_ROOTS: work,
      OLARES_UPLOAD_CHUNK_BYTES: String(64 * 1024),
      OLARES_SECRET_RT: 'rt-never-in-the-audit-log',
    });
  });
  afterEach(async () => {
    await mcp?.close();
    await box.close();
    await rm(work, { recursive: true, force: true });
  });

  it('L3: a failed upload leaves an attempt and an outcome line', async () => {
    const dir = join(work, 'pair');
    await mkdir(dir);
    await writeFile(join(dir, 'a.txt'), 'first file\n');
    await writeFile(join(dir, 'b.txt'), 'second file\n');
    box.sim.addFault({ match: CHUNK_ROUTE, kind: 'status', status: 400, skip: 1, times: 1 });
    const up = await mcp.call('files_upload', { localPath: dir, remotePath: 'drive/Home/Documents/' });
    expect(up.isError).toBe(true);
    expect(box.sim.count(CHUNK_ROUTE)).toBe(2);

    const lines = (await auditLines(box.home)).filter((l) => l.tool === 'files_upload');
    expect(lines.map((l) => l.phase)).toEqual(['attempt', 'outcome']);
    const [attempt, outcome] = lines;
    expect(attempt).toMatchObject({
      profile: 'bob@olares.com',
      target: { localPath: dir, remotePath: 'drive/Home/Documents/' },
    });
    expect(attempt.id).toBe(outcome.id);
    expect(outcome).toMatchObject({ outcome: 'error', partial: '1 of 2 file(s) uploaded' });
    expect(outcome.error).toMatch(/^[a-z0-9_]+$/);
    expect(Date.parse(outcome.time)).toBeGreaterThanOrEqual(Date.parse(attempt.time));
  });

  it('L3: dry runs, imports and logins are on record, naming the auth host and no secret', async () => {
    const rm1 = await mcp.call('files_rm', { paths: ['drive/Home/Documents/welcome.txt'], dryRun: true });
    expect(rm1.isError, textOf(rm1)).toBeFalsy();
    const imp = await mcp.call('profile_import', {
      olaresId: 'nobody@olares.com',
      refreshTokenEnv: 'OLARES_SECRET_RT',
    });
    expect(imp.isError).toBe(true);
    await mcp.call('profile_login', { olaresId: 'carol@olares.com' });

    const lines = await auditLines(box.home);
    const rmLines = lines.filter((l) => l.tool === 'files_rm');
    expect(rmLines.map((l) => [l.phase, l.dryRun, l.outcome])).toEqual([
      ['attempt', true, undefined],
      ['outcome', true, 'ok'],
    ]);
    const importLines = lines.filter((l) => l.tool === 'profile_import');
    expect(importLines.map((l) => l.phase)).toEqual(['attempt', 'outcome']);
    const authUrl = box.sim.urlTemplate.replace('{service}', 'auth');
    for (const l of importLines) expect(l.target).toMatchObject({ olaresId: 'nobody@olares.com', authUrl });
    expect(importLines[1].outcome).toBe('error');
    const loginLines = lines.filter((l) => l.tool === 'profile_login');
    expect(loginLines.map((l) => l.phase)).toEqual(['attempt', 'outcome']);
    for (const l of loginLines) expect(l.target).toMatchObject({ olaresId: 'carol@olares.com', authUrl });
    const raw = await readFile(join(box.home, 'audit.log'), 'utf8');
    expect(raw).not.toContain('rt-never-in-the-audit-log');
    expect(await modeOf(join(box.home, 'audit.log'))).toBe(0o600);
  });
});
