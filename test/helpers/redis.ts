// A private redis-server for the shared-state tests: loopback, a free port, a password, every
// write fsynced to an append-only file in its own directory (so a restart on the same port and
// directory must give back every acknowledged write). Never the machine's own instance.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

function findRedisServer(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin'];
  for (const dir of dirs) {
    const path = join(dir, 'redis-server');
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // next
    }
  }
  return undefined;
}

export const REDIS_SERVER = findRedisServer();
/** Why the shared-state tests are skipped, printed once; undefined when they run. */
export const redisSkipReason = REDIS_SERVER
  ? undefined
  : 'redis-server is not installed (Debian: apt-get install redis-server; .ci/run installs it)';
if (redisSkipReason) console.warn(`skipping shared-state tests: ${redisSkipReason}`);

/** A port nothing listens on right now (loopback). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface RedisServer {
  host: string;
  port: number;
  password: string;
  dir: string;
  /** The running server's process id (for CPU accounting). */
  pid(): number | undefined;
  /** Starts it again on the same port and directory (after kill). */
  start(): Promise<void>;
  /** SIGKILL: what the store would see if its machine lost power; waits for the exit. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: a store that accepts connections but answers nothing. */
  pause(): void;
  resume(): void;
  /** Stops it and removes its directory. */
  stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  if (!REDIS_SERVER) throw new Error(redisSkipReason);
  const dir = await mkdtemp(join(tmpdir(), 'olares-mcp-redis-'));
  const port = await freePort();
  const password = randomBytes(18).toString('base64url');
  let child: ChildProcess | undefined;
  const args = [
    '--bind', '127.0.0.1', '--port', String(port), '--requirepass', password, '--dir', dir,
    '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--protected-mode', 'yes',
    '--daemonize', 'no', '--logfile', '',
  ]; // biome-ignore format: one flag and its value per pair
  const server: RedisServer = {
    host: '127.0.0.1',
    port,
    password,
    dir,
    pid: () => child?.pid,
    async start() {
      child = spawn(REDIS_SERVER!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const proc = child;
      let output = '';
      await new Promise<void>((resolve, reject) => {
        const onData = (d: Buffer) => {
          output += String(d);
          if (/ready to accept connections/i.test(output)) resolve();
        };
        proc.stdout!.on('data', onData);
        proc.stderr!.on('data', onData);
        proc.once('exit', (code) =>
          reject(new Error(`redis-server exited (${code}): ${output.slice(-500)}`)),
        );
      });
    },
    async kill() {
      const proc = child;
      child = undefined;
      if (!proc || proc.exitCode !== null) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGKILL');
      await exited;
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    async stop() {
      server.resume();
      await server.kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

/** base64 of 32 random bytes: a key as the deployment's Secret would hold it. */
export const newKey = () => randomBytes(32).toString('base64');

/** The environment of a replica that keeps its state in `server`. */
export function redisEnv(server: RedisServer, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    OLARES_STATE: 'redis',
    OLARES_REDIS_HOST: server.host,
    OLARES_REDIS_PORT: String(server.port),
    OLARES_REDIS_PASSWORD: server.password,
    OLARES_REDIS_PREFIX: 'test-olares-mcp:',
    ...extra,
  };
}
