// Remote mode's throughput (issue 15 item 7): files_ls calls/s and p50/p99 latency at the same
// concurrency through 1 replica and 3 replicas (each set behind the same round-robin proxy, with
// bearer tokens verified and bindings read from the store as in production) and through the stdio
// server, all on one simulator in its own process; peak RSS per replica; /api/refresh per
// stampede of expired-token calls across 3 replicas. On a 2-core machine the replicas, the store,
// the simulator, the proxy and the callers all share the same cores: the ratio is what it shows.
import { readFile, rm } from 'node:fs/promises';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { AuthContext } from '../src/auth/index.js';
import { startIssuer, type TestIssuer } from '../test/helpers/issuer.js';
import { newKey, type RedisServer, redisEnv, redisSkipReason, startRedis } from '../test/helpers/redis.js';
import {
  type ProxyHandle,
  type ReplicaSet,
  startProxyProcess,
  startReplicaSet,
} from '../test/helpers/replicas.js';
import {
  BENCH_USER,
  type BenchResult,
  CLI,
  cpuSeconds,
  loggedInHome,
  quick,
  report,
  round,
  startSimProcess,
} from './lib.js';
import { type BenchClient, connectStdio } from './mcp.js';

const _USER = BENCH_USER;
const CONCURRENCY = 16;
const LS = { name: 'files_ls', arguments: { path: 'drive/Home' } };
const STAMPEDE_TTL_SEC = 4;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** `total` files_ls calls by CONCURRENCY callers in a loop; calls/s and latency percentiles. */
async function drive(client: BenchClient, total: number) {
  const call = async () => {
    const r = await client.callTool(LS);
    if (r.isError) throw new Error(`files_ls failed: ${JSON.stringify(r.content)}`);
  };
  for (let i = 0; i < CONCURRENCY * 2; i++) await call(); // connections and JIT warm
  const latencies: number[] = [];
  let left = total;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (left-- > 0) {
        const t = performance.now();
        await call();
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return {
    callsPerSec: round(latencies.length / seconds, 1),
    p50: round(percentile(latencies, 50), 2),
    p99: round(percentile(latencies, 99), 2),
  };
}

async function httpClient(url: string, token: string): Promise<Client> {
  const client = new Client(
    { name: 'olares-mcp-bench', version: '0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

/** Peak resident set of a process (VmHWM), MiB. */
async function peakRssMiB(pid: number | undefined): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024, 1);
}

interface Stack {
  redis: RedisServer;
  issuer: TestIssuer;
  sets: ReplicaSet<ProxyHandle & { pid?: number }>[];
  homes: string[];
  auths: AuthContext[];
}

/** `n` replicas on `urlTemplate`'s box, bob logged in through the store, agent-1 bound. */
async function replicas(stack: Stack, n: number, urlTemplate: string, prefix: string) {
  const keys = { OLARES_MCP_TOKEN_KEY: newKey(), OLARES_MCP_STATE_KEY: newKey() };
  const store = redisEnv(stack.redis, { ...keys, OLARES_REDIS_PREFIX: prefix });
  const home = await loggedInHome(urlTemplate, store);
  stack.homes.push(home.home);
  stack.auths.push(home.auth);
  await home.auth.state.principals.bindPrincipal({ iss: stack.issuer.issuer, sub: 'agent-1' });
  const env = (endpoint: string) => ({
    ...home.env,
    OLARES_MCP_ISSUER: stack.issuer.issuer,
    OLARES_MCP_RESOURCE: endpoint,
    OLARES_MCP_RATE_PER_SECOND: '100000', // one principal drives them all: measure the server, not the limiter
  });
  const set = await startReplicaSet(n, env, [], await startProxyProcess());
  stack.sets.push(set);
  const token = await stack.issuer.sign({ sub: 'agent-1', aud: set.url, scope: 'olares.read olares.write' });
  return { set, client: await httpClient(set.url, token) };
}

/** Refreshes that reached the box per stampede of CONCURRENCY x callsEach expired-token calls. */
async function stampedes(stack: Stack, count: number, callsEach: number) {
  const sim = await startSimProcess(['--token-ttl', String(STAMPEDE_TTL_SEC)]);
  const refreshes = async () =>
    ((await (await fetch(`${sim.url}/__sim/counters`)).json()) as Record<string, number>)[
      'POST /auth/api/refresh'
    ] ?? 0;
  try {
    const issuedAt = Date.now();
    const { client } = await replicas(stack, 3, `${sim.url}/{service}`, 'bench-stampede:');
    const perStampede: number[] = [];
    let failed = 0;
    for (let i = 0; i < count; i++) {
      // Every token the simulator issued before now has expired once this passes.
      await sleep(
        Math.max(0, (i === 0 ? issuedAt : Date.now()) + STAMPEDE_TTL_SEC * 1000 + 500 - Date.now()),
      );
      const before = await refreshes();
      const results = await Promise.allSettled(
        Array.from({ length: CONCURRENCY * callsEach }, () => client.callTool(LS)),
      );
      failed += results.filter((r) => r.status === 'rejected' || (r.value as any).isError).length;
      perStampede.push((await refreshes()) - before);
    }
    await client.close();
    return { perStampede, failed };
  } finally {
    await sim.close();
  }
}

type Drive = Awaited<ReturnType<typeof drive>>;

/** CPU seconds used so far by a set's replicas and its proxy process. */
async function cpuOf(set: ReplicaSet<ProxyHandle & { pid?: number }>) {
  const pids = [...set.replicas.map((r) => r.child.pid), set.proxy.pid];
  return (await Promise.all(pids.map((pid) => cpuSeconds(pid)))).reduce((a, b) => a + b, 0);
}

/** The median round of each (by calls/s); rounds interleave the three so load drifts hit all alike. */
const medianRound = (rounds: Drive[]) =>
  [...rounds].sort((a, b) => a.callsPerSec - b.callsPerSec)[Math.floor(rounds.length / 2)];

async function measureAll(stack: Stack, simUrl: string, total: number, rounds: number) {
  const template = `${simUrl}/{service}`;
  const stdioHome = await loggedInHome(template);
  stack.homes.push(stdioHome.home);
  const stdio = await connectStdio(process.execPath, [CLI], stdioHome.env);
  const one = await replicas(stack, 1, template, 'bench-one:');
  const three = await replicas(stack, 3, template, 'bench-three:');
  const runs = { stdio: [] as Drive[], one: [] as Drive[], three: [] as Drive[] };
  // CPU seconds the replicas and their proxy used while driven: where a call's time goes.
  const cpu = { stdio: 0, one: 0, three: 0 };
  try {
    for (let i = 0; i < rounds; i++) {
      cpu.stdio -= await cpuSeconds(stdio.pid);
      runs.stdio.push(await drive(stdio.client, total / rounds));
      cpu.stdio += await cpuSeconds(stdio.pid);
      cpu.one -= await cpuOf(one.set);
      runs.one.push(await drive(one.client, total / rounds));
      cpu.one += await cpuOf(one.set);
      cpu.three -= await cpuOf(three.set);
      runs.three.push(await drive(three.client, total / rounds));
      cpu.three += await cpuOf(three.set);
    }
  } finally {
    await stdio.close();
    await one.client.close();
    await three.client.close();
  }
  const rss = await Promise.all(
    [...one.set.replicas, ...three.set.replicas].map((r) => peakRssMiB(r.child.pid)),
  );
  return {
    viaStdio: medianRound(runs.stdio),
    viaOne: medianRound(runs.one),
    viaThree: medianRound(runs.three),
    rss,
    // Includes the warm-up calls of each round.
    cpuMsPerCall: {
      stdio: round((cpu.stdio * 1000) / (total + rounds * CONCURRENCY * 2), 2),
      one: round((cpu.one * 1000) / (total + rounds * CONCURRENCY * 2), 2),
      three: round((cpu.three * 1000) / (total + rounds * CONCURRENCY * 2), 2),
    },
  };
}

export async function benchRemote(): Promise<BenchResult> {
  if (redisSkipReason) return { name: 'remote', figures: { skipped: redisSkipReason } };
  const total = quick ? 160 : 3000;
  const sim = await startSimProcess();
  const stack: Stack = {
    redis: await startRedis(),
    issuer: await startIssuer(),
    sets: [],
    homes: [],
    auths: [],
  };
  try {
    const rounds = quick ? 1 : 3;
    const { viaStdio, viaOne, viaThree, rss, cpuMsPerCall } = await measureAll(stack, sim.url, total, rounds);
    const storm = await stampedes(stack, quick ? 1 : 3, quick ? 2 : 5);
    const scale = round(viaThree.callsPerSec / viaOne.callsPerSec);
    const p99Ratio = round(viaThree.p99 / viaStdio.p99);
    const maxRss = Math.max(...rss);
    return {
      name: 'remote',
      figures: {
        concurrency: CONCURRENCY,
        calls: total,
        rounds: quick ? 1 : 3,
        stdioCallsPerSec: viaStdio.callsPerSec,
        oneCallsPerSec: viaOne.callsPerSec,
        threeCallsPerSec: viaThree.callsPerSec,
        stdioP50Ms: viaStdio.p50,
        stdioP99Ms: viaStdio.p99,
        oneP50Ms: viaOne.p50,
        oneP99Ms: viaOne.p99,
        threeP50Ms: viaThree.p50,
        threeP99Ms: viaThree.p99,
        p99VsStdio: p99Ratio,
        serverCpuMsPerCallStdio: cpuMsPerCall.stdio,
        serverCpuMsPerCallOne: cpuMsPerCall.one,
        serverCpuMsPerCallThree: cpuMsPerCall.three,
        peakRssMiB: rss.join('/'),
        refreshesPerStampede: storm.perStampede.join('/'),
        stampedeFailed: storm.failed,
      },
      ratio: scale,
      goal: '3 replicas >= 1.5x one, p99 <= 2x stdio, RSS <= 150 MiB per replica, 1 refresh per stampede',
      pass:
        scale >= 1.5 &&
        p99Ratio <= 2 &&
        maxRss <= 150 &&
        storm.failed === 0 &&
        storm.perStampede.every((n) => n === 1),
    };
  } finally {
    for (const set of stack.sets) await set.close();
    for (const auth of stack.auths) await auth.state.close();
    await stack.issuer.close();
    await stack.redis.stop();
    await sim.close();
    for (const home of stack.homes) await rm(home, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) report(await benchRemote());
