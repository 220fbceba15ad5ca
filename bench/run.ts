// `npm run bench` (full) or `npm run bench -- --quick` (small sizes, as CI runs it so the
// benchmarks never rot). Prints one line per benchmark and a JSON summary last.
import { execFileSync } from 'node:child_process';
import { arch, cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { benchCallOverhead } from './call-overhead.js';
import { type BenchResult, quick, ROOT, report } from './lib.js';
import { benchStampede } from './stampede.js';
import { benchStartup } from './startup.js';
import { benchToolSurface } from './tool-surface.js';

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
for (const script of ['transfer.mjs']) {
  const path = resolve(ROOT, 'bench', script);
  try {
    const args = script.endsWith('.ts') ? ['--import', 'tsx', path] : [path];
    const out = execFileSync(process.execPath, [...args, ...(quick ? ['--quick', '--size-mb', '16'] : [])], {
      encoding: 'utf8',
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    process.stdout.write(out);
  } catch (err: any) {
    if (err.code === 'ENOENT' || /Cannot find module/.test(String(err.stderr ?? err.message))) continue;
    throw err;
  }
}
process.stdout.write(`${JSON.stringify(results)}\n`);
