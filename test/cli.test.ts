// The human commands: terminal login with --password-stdin and --totp, import, profile, doctor.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';

function run(
  args: string[],
  env: NodeJS.ProcessEnv,
  stdin = '',
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('olares-mcp commands', () => {
  let box: TestBox;
  beforeEach(async () => {
    box = await makeBox();
  });
  afterEach(() => box.close());

  it('logs in with --password-stdin and --totp, then lists, switches and removes', async () => {
    const missingTotp = await run(
      ['login', '--olares-id', 'alice@olares.com', '--password-stdin'],
      box.env,
      `${box.password('alice@olares.com')}\n`,
    );
    expect(missingTotp.code).toBe(1);
    expect(missingTotp.stderr).toMatch(/two-factor authentication required: re-run with --totp <code>/);
    const ok = await run(
      [
        'login',
        '--olares-id',
        'alice@olares.com',
        '--name',
        'alice',
        '--password-stdin',
        '--totp',
        await box.totp('alice@olares.com'),
      ],
      box.env,
      `${box.password('alice@olares.com')}\n`,
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^logged in as alice@olares.com \(profile: alice\)/);
    expect(ok.stderr).toMatch(/token stored via file/);
    const again = await run(['login', '--olares-id', 'alice@olares.com', '--password-stdin'], box.env, 'x\n');
    expect(again.stderr).toMatch(/already authenticated for alice@olares.com/);
    const noTty = await run(['login', '--olares-id', 'bob@olares.com'], box.env);
    expect(noTty.stderr).toMatch(/stdin is not a terminal; pass --password-stdin/);
    const wrong = await run(
      ['login', '--olares-id', 'bob@olares.com', '--password-stdin'],
      box.env,
      'wrong\n',
    );
    expect(wrong.stderr).toMatch(/wrong password/);
    await run(
      ['login', '--olares-id', 'bob@olares.com', '--password-stdin'],
      box.env,
      `${box.password('bob@olares.com')}\n`,
    );
    const list = await run(['profile', 'list'], box.env);
    expect(list.stdout).toMatch(/\* +bob@olares.com +bob@olares.com +logged-in \(0h59m\) +file/);
    expect(list.stdout).toMatch(/alice +alice@olares.com/);
    expect((await run(['profile', 'use', '-'], box.env)).stdout).toMatch(/switched to profile alice/);
    const rm = await run(['profile', 'remove', 'alice'], box.env);
    expect(rm.stdout).toMatch(
      /removed profile alice \(alice@olares.com\)\ncurrent profile is now: bob@olares.com/,
    );
    const unknown = await run(['profile', 'use', 'carol'], box.env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/profile "carol" not found/);
  });

  it('import reads a file named on its command line, but only a token-shaped one, and still switches', async () => {
    await box.login('alice@olares.com');
    await box.login('bob@olares.com');
    const rt = (await box.auth.stores.file.get('bob@olares.com'))!.refreshToken!;
    await box.auth.removeProfile('bob@olares.com');
    await box.auth.profiles.use('alice@olares.com');
    const twoLines = join(box.home, 'two.txt');
    await writeFile(twoLines, `${rt}\nsecond line\n`);
    const refused = await run(
      ['import', '--olares-id', 'bob@olares.com', '--refresh-token-file', twoLines],
      box.env,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refresh token file cannot be used: .*one refresh token on one line/);
    expect(box.sim.count('POST /auth/api/refresh')).toBe(0);
    // Outside any local root is fine here: the person at the keyboard typed the path.
    const file = join(box.home, 'token.txt');
    await writeFile(file, `${rt}\n`);
    const ok = await run(['import', '--olares-id', 'bob@olares.com', '--refresh-token-file', file], box.env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/switched current profile to bob@olares.com/);
  });

  it('imports a refresh token from a file and reports health with doctor', async () => {
    await box.login('bob@olares.com');
    const rt = (await box.auth.stores.file.get('bob@olares.com'))!.refreshToken!;
    await box.auth.removeProfile('bob@olares.com');
    const file = join(box.home, 'token.txt');
    await writeFile(file, `${rt}\n`);
    const imp = await run(['import', '--olares-id', 'bob@olares.com', '--refresh-token-file', file], box.env);
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.stdout).toMatch(/imported credentials for bob@olares.com/);
    expect(imp.stdout + imp.stderr).not.toContain(rt);
    const healthy = await run(['doctor', '--json'], box.env);
    expect(healthy.code, healthy.stdout).toBe(0);
    const d = JSON.parse(healthy.stdout);
    expect(d).toMatchObject({
      olaresId: 'bob@olares.com',
      lockDir: { writable: true },
      credentialSources: { file: true, env: false },
      problems: [],
    });
    expect(d.services.every((s: any) => s.reachable)).toBe(true);
    const sick = await run(['doctor'], { ...box.env, OLARES_URL_TEMPLATE: 'http://127.0.0.1:9/{service}' });
    expect(sick.code).toBe(1);
    expect(sick.stdout).toMatch(/files: UNREACHABLE \(cannot reach 127.0.0.1:9/);
    expect(sick.stdout).toMatch(/fix: check that the box is on/);
  });
});
