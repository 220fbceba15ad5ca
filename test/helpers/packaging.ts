// Shared by the packaging tests (desktop bundle, npm package): a temp dir with its own npm cache,
// a probe of the npm registry (those tests skip, saying why, when it cannot be reached), and a
// clean environment for starting the server as a desktop host or a fresh install would.
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
export const packageJson = readJson(join(ROOT, 'package.json'));
const lock = readJson(join(ROOT, 'package-lock.json'));

/** The version package-lock.json records for a package installed at the top level. */
export function lockedVersion(name: string): string {
  const entry = lock.packages[`node_modules/${name}`];
  if (!entry) throw new Error(`package-lock.json has no node_modules/${name}`);
  return entry.version;
}

export interface Scratch {
  dir: string;
  /** process.env plus an npm cache inside `dir`, so nothing is cached outside it. */
  npmEnv: NodeJS.ProcessEnv;
}

export async function scratch(prefix: string): Promise<Scratch> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const npmEnv: NodeJS.ProcessEnv = { ...process.env, npm_config_cache: join(dir, 'npm-cache') };
  // A signing key in the developer's shell must not leak into the unsigned build under test.
  delete npmEnv.MCPB_SIGNING_KEY;
  delete npmEnv.MCPB_SIGNING_CERT;
  return { dir, npmEnv };
}

const exec = promisify(execFile);

export function npm(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeout?: number }) {
  return exec('npm', args, {
    ...opts,
    timeout: opts.timeout ?? 180_000,
    maxBuffer: 64 * 1024 * 1024,
    shell: process.platform === 'win32',
  });
}

/** undefined when the registry answers; otherwise why not (the packaging tests then skip). */
export async function registryProblem(): Promise<string | undefined> {
  const probe = await scratch('olares-registry-probe-');
  const spec = `@napi-rs/keyring@${lockedVersion('@napi-rs/keyring')}`;
  try {
    const { stdout } = await npm(
      ['view', spec, 'version', '--prefer-online', '--fetch-retries=0', '--fetch-timeout=15000'],
      { cwd: probe.dir, env: probe.npmEnv, timeout: 30_000 },
    );
    return stdout.trim() ? undefined : `npm view ${spec} printed nothing`;
  } catch (err: any) {
    const said = String(err.stderr ?? '')
      .split('\n')
      .find((l) => /error/i.test(l));
    return `npm view ${spec} failed: ${said?.trim() ?? (err.killed ? 'no answer in 30 s' : err.message)}`;
  } finally {
    await rm(probe.dir, { recursive: true, force: true });
  }
}

/**
 * What a desktop host or a fresh shell gives the server: a PATH with only node's own folder and
 * the system's, a HOME of its own; no NODE_PATH, NODE_OPTIONS, nor any repository node_modules.
 */
export function cleanEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  const system =
    process.platform === 'win32' ? [process.env.SystemRoot ?? 'C:\\Windows'] : ['/usr/bin', '/bin'];
  const env: Record<string, string> = {
    PATH: [dirname(process.execPath), ...system].join(delimiter),
    HOME: home,
    USERPROFILE: home,
    OLARES_MCP_HOME: join(home, 'olares-mcp'),
    ...extra,
  };
  if (process.platform === 'win32') env.SystemRoot = system[0];
  mkdirSync(env.OLARES_MCP_HOME, { recursive: true });
  return env;
}

/** Connects the SDK client to `command args` with `env` (the SDK adds only the parent's USER, SHELL, TERM and LOGNAME). */
export async function connectWith(command: string, args: string[], env: Record<string, string>, cwd: string) {
  const transport = new StdioClientTransport({ command, args, env, cwd, stderr: 'pipe' });
  const stderr: string[] = [];
  transport.stderr?.on('data', (d) => stderr.push(String(d)));
  const client = new Client({ name: 'olares-mcp-packaging-tests', version: '0' });
  await client.connect(transport);
  return { client, stderr };
}

/** Every file under `dir`, as forward-slash paths relative to it. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out.push(relative(dir, full).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}
