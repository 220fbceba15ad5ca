// Shared bench helpers: spawning MCP servers, medians, a tiny reporter.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { demoUsers } from '../sim/users.js';
import { AuthContext } from '../src/auth/index.js';

export const ROOT = resolve(import.meta.dirname, '..');
export const CLI = resolve(process.env.OLARES_MCP_CLI || resolve(ROOT, 'dist/cli.js'));
export const BARE = resolve(ROOT, 'bench/bare-server.mjs');
export const quick = process.argv.includes('--quick');

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/**
 * Spawns a stdio server and resolves with ms from spawn to the initialize result; the server is
 * killed `lingerMs` after answering.
 */
export function timeToInitialize(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  lingerMs = 0,
): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'ignore'] });
    let buf = '';
    let answered = false;
    child.stdout.on('data', (d) => {
      buf += d;
      if (buf.includes('"id":1') && !answered) {
        answered = true;
        const ms = performance.now() - t0;
        setTimeout(() => {
          child.kill();
          resolvePromise(ms);
        }, lingerMs);
      }
    });
    child.on('error', reject);
    child.stdin.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '0' } } })}\n`,
    );
  });
}

export interface BenchResult {
  name: string;
  figures: Record<string, number | string>;
  ratio?: number;
  goal?: string;
  pass?: boolean;
}

export function report(r: BenchResult) {
  const parts = Object.entries(r.figures).map(([k, v]) => `${k}=${v}`);
  // Quick mode (CI) uses sizes too small for the goals: it proves the benchmarks still run.
  const verdict =
    r.pass === undefined ? '' : quick ? ' (quick mode: not judged)' : r.pass ? ' PASS' : ' MISS';
  process.stdout.write(
    `${r.name}: ${parts.join(' ')}${r.ratio !== undefined ? ` ratio=${r.ratio}` : ''}${r.goal ? ` (goal ${r.goal})` : ''}${verdict}\n`,
  );
}

/**
 * `olares-mcp sim` in its own process, as a real box would be: nothing the benchmark does on its
 * own event loop slows the simulator down or speeds it up for one side only.
 */
export function startSimProcess(
  args: string[] = [],
): Promise<{ url: string; child: ChildProcess; close(): Promise<void> }> {
  // BENCH_SIM_PROF=<dir>: the simulator's V8 CPU profile, written there when it stops.
  const prof = process.env.BENCH_SIM_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_SIM_PROF] : [];
  const child = spawn(process.execPath, [...prof, CLI, 'sim', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const close = async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  };
  return new Promise((ok, fail) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) ok({ url: m[1], child, close });
    });
    child.once('exit', (code) => fail(new Error(`simulator exited (${code}) before listening: ${out}`)));
    child.once('error', fail);
  });
}

/** CPU seconds a process used so far (utime + stime), from /proc; 0 where there is none. */
export async function cpuSeconds(pid: number | 'self-children' | null | undefined): Promise<number> {
  const stat = await readFile(`/proc/${pid === 'self-children' ? 'self' : pid}/stat`, 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command name: utime, stime are fields 14-15, cutime, cstime 16-17 (1-based).
  const at = pid === 'self-children' ? 13 : 11;
  return (Number(fields[at]) + Number(fields[at + 1])) / 100 || 0;
}

/** The demo user the benchmarks log in. */
export const BENCH_USER = 'bob@olares.com';

/**
 * A fresh home (or, with `extra`, the store it names) with BENCH_USER logged in against
 * `urlTemplate` through the real auth core; `token` is the stored access token.
 */
export async function loggedInHome(urlTemplate: string, extra: NodeJS.ProcessEnv = {}) {
  const home = await mkdtemp(join(tmpdir(), 'olares-bench-home-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    OLARES_MCP_HOME: home,
    OLARES_URL_TEMPLATE: urlTemplate,
    OLARES_TOKEN_STORE: 'file',
    ...extra,
  };
  const auth = new AuthContext(env);
  const password = demoUsers().find((u) => u.olaresId === BENCH_USER)!.password;
  await auth.persistGrant(
    { olaresId: BENCH_USER, makeCurrent: true },
    await auth.passwordStep(BENCH_USER, password),
  );
  const token = (await auth.stores.file.get(BENCH_USER))?.accessToken ?? '';
  return { env, home, auth, token };
}
