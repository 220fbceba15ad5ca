// Median wall time from spawn to the initialize result: olares-mcp vs a bare unbundled SDK server.
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
  return {
    name: 'startup',
    figures: {
      runs: n,
      olaresMs: round(median(ours), 1),
      bareSdkMs: round(median(bare), 1),
      nodeMs: round(median(nodeOnly), 1),
    },
    ratio,
    goal: '<= 0.75',
    pass: ratio <= 0.75,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) report(await benchStartup());
