// Remote mode as a box would run it, on loopback: N `olares-mcp serve --http` processes sharing
// one store (OLARES_STATE=redis, the same keys), behind a small round-robin proxy that plays the
// box's load balancer. The proxy streams bodies both ways, ejects a replica whose connection is
// refused or whose /healthz fails, and re-admits it once /healthz answers again.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseYaml } from '../../scripts/yaml-lite.js';
import { CLI } from './mcp.js';

export interface Replica {
  index: number;
  /** The replica's own endpoint (bypassing the proxy). */
  url: string;
  child: ChildProcess;
  /** Audit lines (stdout). */
  stdout: string[];
  alive(): boolean;
  /** Sends `signal` and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port (after stop). */
  start(): Promise<void>;
}

/**
 * The node flags the chart deploys a replica with (deploy/olares/values.yaml `nodeOptions`), so
 * tests and the bench run replicas as a box does.
 */
export function deployedNodeOptions(): string {
  const values = parseYaml(
    readFileSync(join(import.meta.dirname, '..', '..', 'deploy', 'olares', 'values.yaml'), 'utf8'),
  );
  const options = (values as { nodeOptions?: unknown }).nodeOptions;
  if (typeof options !== 'string') throw new Error('deploy/olares/values.yaml has no nodeOptions string');
  return options;
}

function spawnReplica(env: NodeJS.ProcessEnv, args: string[], port: number) {
  const child = spawn(process.execPath, [CLI, 'serve', '--http', '--port', String(port), ...args], {
    env: { NODE_OPTIONS: deployedNodeOptions(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  child.stdout?.on('data', (d) => stdout.push(String(d)));
  let stderr = '';
  const url = new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (d) => {
      stderr += d;
      const m = stderr.match(/serving MCP on (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`serve --http exited (${code ?? signal}) before serving: ${stderr.slice(-800)}`)),
    );
  });
  return { child, stdout, url };
}

export async function startReplica(
  index: number,
  env: NodeJS.ProcessEnv,
  args: string[] = [],
): Promise<Replica> {
  let running = spawnReplica(env, args, 0);
  const url = await running.url;
  const port = Number(new URL(url).port);
  const replica: Replica = {
    index,
    url,
    child: running.child,
    stdout: running.stdout,
    alive: () => replica.child.exitCode === null && replica.child.signalCode === null,
    stop: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (!replica.alive()) return resolve();
        replica.child.once('exit', () => resolve());
        replica.child.kill(signal);
      }),
    async start() {
      running = spawnReplica(env, args, port);
      replica.child = running.child;
      replica.stdout = running.stdout;
      await running.url;
    },
  };
  return replica;
}

interface Upstream {
  index: number;
  host: string;
  port: number;
  healthy: boolean;
  misses: number;
}

export interface ProxyStats {
  /** Requests answered, per replica index. */
  served: number[];
  /** Requests that failed at a replica after reaching it (the replica died under them). */
  failed: { replica: number; error: string }[];
  /** Ejections and re-admissions, in order. */
  events: string[];
}

export interface RoundRobinProxy {
  url: string;
  stats: ProxyStats;
  /** Adds a replica by its URL (its host and port are used); returns its index. */
  add(replicaUrl: string): number;
  /** Admitted replicas, by index. */
  healthy(): number[];
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);
const forwardable = (headers: IncomingMessage['headers']) =>
  Object.fromEntries(Object.entries(headers).filter(([k]) => !HOP_BY_HOP.has(k)));

/** Round robin over the replicas added to it (by index, in the order added). */
export async function startProxy(opts: { healthEveryMs?: number } = {}): Promise<RoundRobinProxy> {
  const upstreams: Upstream[] = [];
  const stats: ProxyStats = { served: [], failed: [], events: [] };
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  let next = 0;
  const setHealth = (u: Upstream, healthy: boolean, why: string) => {
    if (u.healthy === healthy) return;
    u.healthy = healthy;
    stats.events.push(`${healthy ? 'admit' : 'eject'} ${u.index}: ${why}`);
  };
  const pick = (tried: Set<number>) => {
    for (let i = 0; i < upstreams.length; i++) {
      const u = upstreams[next++ % upstreams.length];
      if (u.healthy && !tried.has(u.index)) return u;
    }
    return undefined;
  };

  // The body is streamed to the replica only once its connection is up, so a refused connection
  // leaves it unread and the request goes to the next replica: nothing reached the dead one.
  const forward = (req: IncomingMessage, res: ServerResponse, tried: Set<number>) => {
    const u = pick(tried);
    if (!u) {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'no healthy replica' }));
      return;
    }
    tried.add(u.index);
    const upstream = request({
      host: u.host,
      port: u.port,
      method: req.method,
      path: req.url,
      headers: forwardable(req.headers),
      agent,
    });
    let connected = false;
    upstream.once('socket', (socket) => {
      const go = () => {
        connected = true;
        req.pipe(upstream);
      };
      if (socket.connecting) socket.once('connect', go);
      else go();
    });
    upstream.once('response', (answer) => {
      stats.served[u.index]++;
      res.writeHead(answer.statusCode ?? 502, forwardable(answer.headers));
      answer.pipe(res);
      answer.once('error', () => res.destroy());
      answer.once('aborted', () => res.destroy());
    });
    upstream.once('error', (err: NodeJS.ErrnoException) => {
      setHealth(u, false, err.code ?? err.message);
      if (!connected && err.code === 'ECONNREFUSED') return forward(req, res, tried);
      stats.failed.push({ replica: u.index, error: err.code ?? err.message });
      if (res.headersSent) res.destroy();
      else {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: `replica ${u.index} failed: ${err.code ?? err.message}` }));
      }
    });
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
  };

  const server = createServer((req, res) => forward(req, res, new Set()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const probe = (u: Upstream) =>
    new Promise<boolean>((resolve) => {
      const r = request({ host: u.host, port: u.port, path: '/healthz', timeout: 2000 }, (answer) => {
        answer.resume();
        resolve(answer.statusCode === 200);
      });
      r.once('timeout', () => r.destroy(new Error('timeout')));
      r.once('error', () => resolve(false));
      r.end();
    });
  const timer = setInterval(() => {
    for (const u of upstreams)
      void probe(u).then((ok) => {
        // Two misses in a row, as balancers count them: one slow probe on a loaded machine is not death.
        u.misses = ok ? 0 : u.misses + 1;
        if (ok || u.misses >= 2) setHealth(u, ok, ok ? '/healthz answers' : '/healthz fails twice');
      });
  }, opts.healthEveryMs ?? 100);

  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    add(replicaUrl) {
      const at = new URL(replicaUrl);
      const index = upstreams.length;
      upstreams.push({ index, host: at.hostname, port: Number(at.port), healthy: true, misses: 0 });
      stats.served.push(0);
      return index;
    },
    healthy: () => upstreams.filter((u) => u.healthy).map((u) => u.index),
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        agent.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** What a replica set needs of its proxy: the in-process one, or proxyProcess.ts's. */
export interface ProxyHandle {
  url: string;
  add(replicaUrl: string): unknown;
  close(): Promise<void>;
}

export interface ReplicaSet<P extends ProxyHandle = RoundRobinProxy> {
  /** The endpoint through the proxy: what clients use. */
  url: string;
  proxy: P;
  replicas: Replica[];
  close(): Promise<void>;
}

/**
 * `n` replicas behind a proxy. `envFor` gets the proxy's endpoint URL, since a replica with an
 * issuer must know its public resource (OLARES_MCP_RESOURCE) before it starts.
 */
export async function startReplicaSet(
  n: number,
  envFor: (endpoint: string) => NodeJS.ProcessEnv,
  args?: string[],
): Promise<ReplicaSet>;
export async function startReplicaSet<P extends ProxyHandle>(
  n: number,
  envFor: (endpoint: string) => NodeJS.ProcessEnv,
  args: string[],
  proxy: P,
): Promise<ReplicaSet<P>>;
export async function startReplicaSet(
  n: number,
  envFor: (endpoint: string) => NodeJS.ProcessEnv,
  args: string[] = [],
  given?: ProxyHandle,
): Promise<ReplicaSet<ProxyHandle>> {
  const proxy = given ?? (await startProxy());
  const url = `${proxy.url}/mcp`;
  const replicas = await Promise.all(Array.from({ length: n }, (_, i) => startReplica(i, envFor(url), args)));
  for (const r of replicas) await proxy.add(r.url);
  return {
    url,
    proxy,
    replicas,
    close: async () => {
      await proxy.close();
      await Promise.all(replicas.map((r) => r.stop('SIGKILL')));
    },
  };
}

/** proxyProcess.ts started as a child process: the proxy a benchmark uses. */
export async function startProxyProcess(): Promise<ProxyHandle & { pid?: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'proxyProcess.ts')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', () => {
      const m = /proxy on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`the proxy exited (${code}): ${out}`)));
  });
  return {
    url,
    pid: child.pid,
    add: (replicaUrl) => {
      const before = (out.match(/^added /gm) ?? []).length;
      child.stdin?.write(`${replicaUrl}\n`);
      return new Promise<void>((resolve) => {
        const check = () => {
          if ((out.match(/^added /gm) ?? []).length <= before) return;
          child.stdout?.off('data', check);
          resolve();
        };
        child.stdout?.on('data', check);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin?.end();
      }),
  };
}
