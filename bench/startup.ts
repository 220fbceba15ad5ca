// Median wall time from spawn to the initialize result: olares-mcp vs a bare unbundled v2 SDK
// server (serveStdio, one tool) and vs a node process that answers initialize by hand. olares-mcp
// is judged as users meet it: with its code cache made by an earlier start (src/codeCache.ts; one
// start per install and Node version makes it); the first start, with no cache, is printed too.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BARE, type BenchResult, CLI, median, quick, report, round, timeToInitialize } from './lib.js';

/** A start that lives long enough to write the code cache (it does so 250 ms in, or at exit). */
const warmUp = (env: NodeJS.ProcessEnv) => timeToInitialize([CLI], env, 1000);

export async function benchStartup(): Promise<BenchResult> {
  const n = quick ? 5 : 20;
  const ours: number[] = [];
  const bare: number[] = [];
  const nodeOnly: number[] = [];
  const cacheRoot = await mkdtemp(join(tmpdir(), 'olares-bench-cache-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OLARES_MCP_HOME: '/nonexistent-olares-mcp-bench',
    XDG_CACHE_HOME: join(cacheRoot, 'warm'),
  };
  delete env.NODE_DISABLE_COMPILE_CACHE;
  const firstStarts: number[] = [];
  for (let i = 0; i < Math.max(3, n / 4); i++)
    firstStarts.push(await timeToInitialize([CLI], { ...env, XDG_CACHE_HOME: join(cacheRoot, `cold-${i}`) }));
  await warmUp(env);
  await timeToInitialize([BARE]);
  for (let i = 0; i < n; i++) {
    // Interleaved so machine noise hits both sides alike.
    ours.push(await timeToInitialize([CLI], env));
    bare.push(await timeToInitialize([BARE]));
    nodeOnly.push(
      await timeToInitialize(['-e', 'process.stdin.once("data",()=>process.stdout.write(\'{"id":1}\\n\'))']),
    );
  }
  await rm(cacheRoot, { recursive: true, force: true });
  const ratio = round(median(ours) / median(bare));
  const nodeRatio = round(median(ours) / median(nodeOnly));
  return {
    name: 'startup',
    figures: {
      runs: n,
      olaresMs: round(median(ours), 1),
      olaresFirstStartMs: round(median(firstStarts), 1),
      bareSdkMs: round(median(bare), 1),
      nodeMs: round(median(nodeOnly), 1),
      vsNode: nodeRatio,
    },
    ratio,
    goal: '<= 0.6 (bare v2 server), <= 1.8 vs node alone',
    pass: ratio <= 0.6 && nodeRatio <= 1.8,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) report(await benchStartup());
