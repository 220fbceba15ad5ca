// `npm run bench` (full) or `npm run bench -- --quick` (small sizes, as CI runs it so the
// benchmarks never rot). Prints one line per benchmark and a JSON summary last.
import { arch, cpus, totalmem } from 'node:os';
import { benchAgentTasks } from './agent-tasks.js';
import { benchCallOverhead } from './call-overhead.js';
import { type BenchResult, quick, report } from './lib.js';
import { benchMarketWait } from './market-wait.js';
import { benchRemote } from './remote.js';
import { benchStampede } from './stampede.js';
import { benchStartup } from './startup.js';
import { benchToolSurface } from './tool-surface.js';
import { benchTransfer } from './transfer.js';
import { benchTransferFiles } from './transfer-files.js';

const results: BenchResult[] = [];
const run = async (fn: () => Promise<BenchResult>) => {
  const r = await fn();
  report(r);
  results.push(r);
};

process.stdout.write(
  `machine: ${cpus()[0]?.model ?? '?'} x${cpus().length} ${arch()} ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}, ${new Date().toISOString().slice(0, 10)}${quick ? ', quick mode' : ''}\n`,
);
await run(benchStartup);
await run(benchToolSurface);
await run(benchStampede);
await run(benchCallOverhead);
await run(benchTransfer);
await run(benchTransferFiles);
await run(benchMarketWait);
await run(benchAgentTasks);
await run(benchRemote);
process.stdout.write(`${JSON.stringify(results)}\n`);
