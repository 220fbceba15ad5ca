// `olares-mcp remote bind|revoke` and the bindings behind them, in the file home and in the
// shared store; plus the strict parsing of the shared-state variables.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthContext } from '../src/auth/index.js';
import { checkPrincipal } from '../src/auth/principals.js';
import { BINDING_RECHECK_MS } from '../src/auth/redis/bindings.js';
import { loadConfig } from '../src/config.js';
import { newKey, type RedisServer, redisEnv, redisSkipReason, startRedis } from './helpers/redis.js';
import { eventually } from './helpers/wait.js';

const exec = promisify(execFile);
const CLI = join(import.meta.dirname, '..', 'dist', 'cli.js');
const ISS = 'https://id.example.com';

async function cli(args: string[], env: NodeJS.ProcessEnv) {
  try {
    const r = await exec(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('remote bind and revoke (file home)', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'olares-mcp-bind-'));
    env = { OLARES_MCP_HOME: home };
  });
  afterEach(() => rm(home, { recursive: true, force: true }));

  it('binds, reports a repeat, revokes, and keeps the file private', async () => {
    const bind = await cli(['remote', 'bind', '--iss', ISS, '--sub', 'alice'], env);
    expect(bind).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^bound subject "alice" of https:\/\/id\.example\.com/),
    });
    expect((await stat(join(home, 'bindings.json'))).mode & 0o777).toBe(0o600);
    const auth = new AuthContext(env);
    expect(await auth.state.principals.isBound({ iss: ISS, sub: 'alice' })).toBe(true);
    expect(await auth.state.principals.isBound({ iss: `${ISS}/`, sub: 'alice' })).toBe(false);
    expect(await auth.state.principals.isBound({ iss: ISS, sub: 'bob' })).toBe(false);
    expect((await cli(['remote', 'bind', '--iss', ISS, '--sub', 'alice'], env)).stdout).toMatch(
      /already bound/,
    );
    const revoke = await cli(['remote', 'revoke', '--iss', ISS, '--sub', 'alice'], env);
    expect(revoke).toMatchObject({ code: 0, stdout: expect.stringMatching(/^revoked subject "alice"/) });
    expect(await auth.state.principals.isBound({ iss: ISS, sub: 'alice' })).toBe(false);
    expect((await cli(['remote', 'revoke', '--iss', ISS, '--sub', 'alice'], env)).stdout).toMatch(
      /was not bound/,
    );
  });

  it('refuses bad input with a clear message and a non-zero exit, keeping what is bound', async () => {
    await cli(['remote', 'bind', '--iss', ISS, '--sub', 'alice'], env);
    const cases: [string[], RegExp][] = [
      [['remote'], /remote needs bind or revoke/],
      [['remote', 'list'], /not "list"/],
      [['remote', 'bind', '--sub', 'alice'], /--iss is missing/],
      [['remote', 'revoke', '--iss', ISS], /--sub is missing/],
      [['remote', 'bind', '--iss', 'http://id.example.com', '--sub', 'a'], /not an https URL/],
      [['remote', 'bind', '--iss', 'id.example.com', '--sub', 'a'], /not an https URL/],
      [['remote', 'bind', '--iss', ISS, '--sub', 'a b'], /subject must be/],
      [['remote', 'bind', '--iss', ISS, '--sub', 'a', '--force'], /Unknown option '--force'/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args, env);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(await new AuthContext(env).state.principals.isBound({ iss: ISS, sub: 'alice' })).toBe(true);
  });

  it('refuses a damaged bindings file without rewriting it', async () => {
    await writeFile(join(home, 'bindings.json'), '{"bindings": [', { mode: 0o600 });
    const r = await cli(['remote', 'bind', '--iss', ISS, '--sub', 'alice'], env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/principal bindings .*bindings\.json are not valid .*left untouched/);
    expect(await readFile(join(home, 'bindings.json'), 'utf8')).toBe('{"bindings": [');
    await expect(new AuthContext(env).state.principals.isBound({ iss: ISS, sub: 'alice' })).rejects.toThrow(
      /not valid/,
    );
  });
});

describe('principal checks', () => {
  it('accepts https issuers (http only on loopback) and refuses the rest', () => {
    expect(checkPrincipal({ iss: ISS, sub: 'x' })).toEqual({ iss: ISS, sub: 'x' });
    expect(checkPrincipal({ iss: 'http://127.0.0.1:8080', sub: 'x' }).iss).toBe('http://127.0.0.1:8080');
    for (const iss of [
      'http://10.0.0.1',
      'https://u:p@id.example',
      'https://id.example?a=1',
      'ftp://x',
      '',
      7,
    ])
      expect(() => checkPrincipal({ iss, sub: 'x' }), String(iss)).toThrow(/not an https URL/);
    for (const sub of ['', 'a\nb', 'x'.repeat(256), undefined])
      expect(() => checkPrincipal({ iss: ISS, sub }), String(sub)).toThrow(/subject must be/);
  });
});

describe('shared-state variables', () => {
  const keys = { OLARES_MCP_TOKEN_KEY: newKey(), OLARES_MCP_STATE_KEY: newKey() };
  const redis = { OLARES_STATE: 'redis', OLARES_REDIS_HOST: 'store.local', ...keys };

  it('defaults to the file home and parses the store settings strictly', () => {
    expect(loadConfig({}).state).toEqual({ kind: 'file' });
    const state = loadConfig({ ...redis, OLARES_REDIS_PASSWORD: 'pw' }).state;
    expect(state).toMatchObject({
      kind: 'redis',
      host: 'store.local',
      port: 6379,
      password: 'pw',
      prefix: 'olares-mcp:',
    });
    expect(
      loadConfig({ ...redis, OLARES_REDIS_PORT: '6380', OLARES_REDIS_PREFIX: 'ns1:' }).state,
    ).toMatchObject({ port: 6380, prefix: 'ns1:' });
    const bad: [NodeJS.ProcessEnv, RegExp][] = [
      [{ OLARES_STATE: 'postgres' }, /OLARES_STATE="postgres" is not one of file, redis/],
      [{ ...redis, OLARES_REDIS_HOST: '' }, /needs OLARES_REDIS_HOST/],
      [{ ...redis, OLARES_MCP_TOKEN_KEY: '' }, /needs OLARES_MCP_TOKEN_KEY: keys never live in the store/],
      [{ ...redis, OLARES_MCP_STATE_KEY: undefined }, /needs OLARES_MCP_STATE_KEY/],
      [{ ...redis, OLARES_MCP_TOKEN_KEY: 'c2hvcnQ=' }, /OLARES_MCP_TOKEN_KEY is not base64 of 32 bytes/],
      [
        { ...redis, OLARES_MCP_STATE_KEY_PREVIOUS: `${newKey()}!` },
        /OLARES_MCP_STATE_KEY_PREVIOUS is not base64/,
      ],
      [{ ...redis, OLARES_REDIS_PORT: '70000' }, /OLARES_REDIS_PORT="70000" is not a whole number/],
    ];
    for (const [env, message] of bad) expect(() => loadConfig(env), message.source).toThrow(message);
  });

  it('never echoes a malformed key', () => {
    const secret = `${'s3cr3t'.repeat(8)}`;
    expect(() => loadConfig({ ...redis, OLARES_MCP_TOKEN_KEY: secret })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(secret) }),
    );
  });
});

describe.skipIf(redisSkipReason)('remote bind and revoke (shared store)', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.stop());

  it('binds in the store, where every replica sees it, and revokes there (seen within BINDING_RECHECK_MS)', async () => {
    const env = redisEnv(redis, { OLARES_MCP_TOKEN_KEY: newKey(), OLARES_MCP_STATE_KEY: newKey() });
    const bind = await cli(['remote', 'bind', '--iss', ISS, '--sub', 'alice'], env);
    expect(bind.stderr).toBe('');
    expect(bind.stdout).toMatch(new RegExp(`in the state store at 127\\.0\\.0\\.1:${redis.port}`));
    const replica = new AuthContext(env);
    try {
      expect(await replica.state.principals.isBound({ iss: ISS, sub: 'alice' })).toBe(true);
      expect((await cli(['remote', 'revoke', '--iss', ISS, '--sub', 'alice'], env)).code).toBe(0);
      // The replica remembers the binding and polls the revocation mark (the exact bound, on a
      // moved clock, is in state-redis-bindings.test.ts); the slack is for a loaded machine.
      await eventually(
        async () => !(await replica.state.principals.isBound({ iss: ISS, sub: 'alice' })),
        'the revocation to reach the replica',
        BINDING_RECHECK_MS + 2000,
      );
    } finally {
      await replica.state.close();
    }
  });
});
