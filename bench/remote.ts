// Remote mode's throughput (issue 15 item 7): files_ls calls/s and p50/p99 latency at concurrency
// 16 through 1 replica and through 3 replicas, and through the stdio server, all on one simulator
// in its own process; peak RSS per replica; /api/refresh per stampede of expired-token calls.
//
// What it measures: every call is a real 2026-07-28 tools/call (bench/remoteCallers.ts), verified
// (its id, a complete successful result, a non-empty listing run as the logged-in user). Replicas
// run as the chart deploys them (its nodeOptions), each with bearer tokens of a test issuer
// verified against its JWKS, the binding read from the store, state in Redis. 1 and 3 replicas sit
// behind the same round-robin proxy, each set in a proxy process of its own. The callers are light
// (one prepared request per call over kept-alive connections) so that the caller is not what sets
// the pace. Rounds interleave stdio, 1 and 3 so load drifts hit all alike; the median round counts.
//
// CPU per call of every process is reported too: R (the replicas' CPU per call) and O (the rest:
// proxy, simulator, store, callers). On 2 cores one replica serves at most min(1/R, 2/(R+O))
// calls/s and three at most 2/(R+O), so 3-vs-1 can reach 1.5 only when R >= 3*O: `scalingCeiling`
// is that bound from the measured figures, next to the measured ratio.
import { readFile, rm } from 'node:fs/promises';
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
import { type Caller, httpCaller, stdioCaller } from './remoteCallers.js';

const CONCURRENCY = 16;
const LS = { name: 'files_ls', arguments: { path: 'drive/Home' } };
const STAMPEDE_TTL_SEC = 4;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** `total` files_ls calls by CONCURRENCY callers in a loop; calls/s and latency percentiles. */
async function drive(caller: Caller, total: number) {
  const latencies: number[] = [];
  let left = total;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (left-- > 0) {
        const t = performance.now();
        await caller.call();
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

/** Peak resident set of a process (VmHWM), MiB. */
async function peakRssMiB(pid: number | undefined): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024, 1);
}

type Proxy = ProxyHandle & { pid?: number };

interface Stack {
  redis: RedisServer;
  issuer: TestIssuer;
  sim: { url: string; child: { pid?: number } };
  sets: ReplicaSet<Proxy>[];
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
  return { set, caller: httpCaller(set.url, token, LS, BENCH_USER, CONCURRENCY) };
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
    const { caller } = await replicas(stack, 3, `${sim.url}/{service}`, 'bench-stampede:');
    const perStampede: number[] = [];
    let failed = 0;
    for (let i = 0; i < count; i++) {
      // Every token the simulator issued before now has expired once this passes.
      await sleep(
        Math.max(0, (i === 0 ? issuedAt : Date.now()) + STAMPEDE_TTL_SEC * 1000 + 500 - Date.now()),
      );
      const before = await refreshes();
      const results = await Promise.allSettled(
        Array.from({ length: CONCURRENCY * callsEach }, () => caller.call()),
      );
      failed += results.filter((r) => r.status === 'rejected').length;
      perStampede.push((await refreshes()) - before);
    }
    await caller.close();
    return { perStampede, failed };
  } finally {
    await sim.close();
  }
}

type Drive = Awaited<ReturnType<typeof drive>>;

/** CPU seconds so far of the serving processes (R) and of everything else a call costs (O). */
interface CpuParts {
  servers: number;
  proxy: number;
  sim: number;
  redis: number;
  callers: number;
}

async function cpuNow(stack: Stack, servers: (number | undefined)[], proxy?: number): Promise<CpuParts> {
  const own = process.cpuUsage();
  const sum = async (pids: (number | undefined)[]) =>
    (await Promise.all(pids.map((pid) => cpuSeconds(pid)))).reduce((a, b) => a + b, 0);
  return {
    servers: await sum(servers),
    proxy: proxy ? await cpuSeconds(proxy) : 0,
    sim: await cpuSeconds(stack.sim.child.pid),
    redis: await cpuSeconds(stack.redis.pid()),
    callers: (own.user + own.system) / 1e6,
  };
}

const addCpu = (into: CpuParts, from: CpuParts, to: CpuParts) => {
  for (const k of Object.keys(into) as (keyof CpuParts)[]) into[k] += to[k] - from[k];
};

const zeroCpu = (): CpuParts => ({ servers: 0, proxy: 0, sim: 0, redis: 0, callers: 0 });

/** The median round of each (by calls/s). */
const medianRound = (rounds: Drive[]) =>
  [...rounds].sort((a, b) => a.callsPerSec - b.callsPerSec)[Math.floor(rounds.length / 2)];

interface Side {
  caller: Caller;
  servers: (number | undefined)[];
  proxy?: number;
  runs: Drive[];
  cpu: CpuParts;
}

/** One measured round of `side`, its CPU added to the side's. */
async function measured(stack: Stack, side: Side, calls: number) {
  const before = await cpuNow(stack, side.servers, side.proxy);
  side.runs.push(await drive(side.caller, calls));
  addCpu(side.cpu, before, await cpuNow(stack, side.servers, side.proxy));
}

async function measureAll(stack: Stack, total: number, rounds: number) {
  const template = `${stack.sim.url}/{service}`;
  const stdioHome = await loggedInHome(template);
  stack.homes.push(stdioHome.home);
  const stdio = stdioCaller(process.execPath, [CLI], stdioHome.env, LS, BENCH_USER);
  const one = await replicas(stack, 1, template, 'bench-one:');
  const three = await replicas(stack, 3, template, 'bench-three:');
  const side = (caller: Caller, servers: (number | undefined)[], proxy?: number): Side => ({
    caller,
    servers,
    proxy,
    runs: [],
    cpu: zeroCpu(),
  });
  const sides = {
    stdio: side(stdio, [stdio.pid]),
    one: side(one.caller, [one.set.replicas[0].child.pid], one.set.proxy.pid),
    three: side(
      three.caller,
      three.set.replicas.map((r) => r.child.pid),
      three.set.proxy.pid,
    ),
  };
  try {
    // Connections, JIT and the replicas' caches warm before anything counts.
    for (const s of Object.values(sides)) await drive(s.caller, CONCURRENCY * 20);
    for (let i = 0; i < rounds; i++)
      for (const s of Object.values(sides)) await measured(stack, s, total / rounds);
  } finally {
    for (const s of Object.values(sides)) await s.caller.close();
  }
  const rss = await Promise.all(
    [...one.set.replicas, ...three.set.replicas].map((r) => peakRssMiB(r.child.pid)),
  );
  return { sides, rss };
}

/** Milliseconds of CPU per call: R (the servers) and O (the rest), with O's parts. */
function perCall(cpu: CpuParts, calls: number) {
  const ms = (s: number) => round((s * 1000) / calls, 3);
  const other = cpu.proxy + cpu.sim + cpu.redis + cpu.callers;
  return {
    R: ms(cpu.servers),
    O: ms(other),
    proxy: ms(cpu.proxy),
    sim: ms(cpu.sim),
    redis: ms(cpu.redis),
    callers: ms(cpu.callers),
  };
}

/** The best 3-vs-1 ratio 2 cores allow with these CPU costs per call (see the header). */
function scalingCeiling(one: { R: number; O: number }, three: { R: number; O: number }) {
  const oneRate = Math.min(1 / one.R, 2 / (one.R + one.O));
  return round(2 / (three.R + three.O) / oneRate);
}

export async function benchRemote(): Promise<BenchResult> {
  if (redisSkipReason) return { name: 'remote', figures: { skipped: redisSkipReason } };
  const total = quick ? 160 : 3000;
  const rounds = quick ? 1 : 3;
  const sim = await startSimProcess();
  const stack: Stack = {
    redis: await startRedis(),
    issuer: await startIssuer(),
    sim,
    sets: [],
    homes: [],
    auths: [],
  };
  try {
    const { sides, rss } = await measureAll(stack, total, rounds);
    const storm = await stampedes(stack, quick ? 1 : 3, quick ? 2 : 5);
    const [viaStdio, viaOne, viaThree] = [sides.stdio, sides.one, sides.three].map((s) =>
      medianRound(s.runs),
    );
    const cpu = {
      stdio: perCall(sides.stdio.cpu, total),
      one: perCall(sides.one.cpu, total),
      three: perCall(sides.three.cpu, total),
    };
    const scale = round(viaThree.callsPerSec / viaOne.callsPerSec);
    const p99Ratio = round(viaThree.p99 / viaStdio.p99);
    const maxRss = Math.max(...rss);
    return {
      name: 'remote',
      figures: {
        concurrency: CONCURRENCY,
        calls: total,
        rounds,
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
        cpuMsPerCallStdio: `R=${cpu.stdio.R} O=${cpu.stdio.O} (sim ${cpu.stdio.sim}, caller ${cpu.stdio.callers})`,
        cpuMsPerCallOne: `R=${cpu.one.R} O=${cpu.one.O} (proxy ${cpu.one.proxy}, sim ${cpu.one.sim}, redis ${cpu.one.redis}, callers ${cpu.one.callers})`,
        cpuMsPerCallThree: `R=${cpu.three.R} O=${cpu.three.O} (proxy ${cpu.three.proxy}, sim ${cpu.three.sim}, redis ${cpu.three.redis}, callers ${cpu.three.callers})`,
        scalingCeiling: scalingCeiling(cpu.one, cpu.three),
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
