// Median wall time from spawn to the initialize result: olares-mcp vs a bare unbundled v2 SDK
// server (serveStdio, one tool) and vs a node process that answers initialize by hand.
import { BARE, type BenchResult, CLI, median, quick, report, round, timeToInitialize } from './lib.js';

export async function benchStartup(): Promise<BenchResult> {
  const n = quick ? 5 : 20;
  const ours: number[] = [];
  const bare: number[] = [];
  const nodeOnly: number[] = [];
  const env = { ...process.env, OLARES_MCP_HOME: '/nonexistent-olares-mcp-bench' };
  for (let i = 0; i < n; i++) {
    // Interleaved so machine noise hits both sides alike.
    ours.push(await timeToInitialize([CLI], env));
    bare.push(await timeToInitialize([BARE]));
    nodeOnly.push(
      await timeToInitialize(['-e', 'process.stdin.once("data",()=>process.stdout.write(\'{"id":1}\\n\'))']),
    );
  }
  const ratio = round(median(ours) / median(bare));
  const nodeRatio = round(median(ours) / median(nodeOnly));
  return {
    name: 'startup',
    figures: {
      runs: n,
      olaresMs: round(median(ours), 1),
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
