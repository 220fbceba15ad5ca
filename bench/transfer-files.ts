// A project-like folder (2,000 files of 1 KiB to 1 MiB in a few nested folders) up and down
// through files_upload / files_download (the built server over stdio), and through curl
// `--parallel` driving the same simulator endpoints from one config file, in one run; plus the
// server's peak RSS and the CPU each side spent. As in transfer.ts the simulator runs in its own
// process, rounds alternate who goes first and every transfer starts after a sync.
//
// Usage: node --import tsx bench/transfer-files.ts [--files N] [--rounds N]
// (default 2000 files x 3 rounds; --quick: 100 x 1). BENCH_VERBOSE=1 prints every timing;
// BENCH_CPU_PROF=<dir> profiles the server.
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { type BenchResult, cpuSeconds, median, quick, report, round } from './lib.js';
import type { connectStdio } from './mcp.js';
import {
  firstFactor,
  numberArg,
  openTransferRig,
  peakRssMiB,
  sha256,
  startFilesServer,
  timed,
} from './transfer.js';

const run = promisify(execFile);
const KiB = 1024;
/** curl's own default for --parallel-max is 50; the tool runs 8 at once (src/tools/files/transfers.ts). */
const CURL_PARALLEL = 50;

/** Sizes spread evenly on a log scale from 1 KiB to 1 MiB, from a fixed seed. */
function sizes(n: number): number[] {
  let seed = 0x2f6b9a1;
  const next = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  return Array.from({ length: n }, () => Math.round(KiB * 1024 ** next()));
}

async function makeProject(root: string, n: number): Promise<string[]> {
  const rels: string[] = [];
  const block = Buffer.alloc(1024 * KiB);
  for (const [i, size] of sizes(n).entries()) {
    const rel = `dir${i % 8}/${i % 3 ? `sub${i % 3}/` : ''}f${i}.dat`;
    await mkdir(join(root, dirname(rel)), { recursive: true });
    block.writeUInt32LE(i, 0); // every file differs
    await writeFile(join(root, rel), block.subarray(0, size));
    rels.push(rel);
  }
  return rels;
}

async function digests(root: string): Promise<string> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else out.push(`${relative(root, full)} ${await sha256(full)}`);
    }
  };
  await walk(root);
  return out.sort().join('\n');
}

export async function benchTransferFiles(): Promise<BenchResult> {
  const count = numberArg('--files', quick ? 100 : 2000);
  const rounds = numberArg('--rounds', quick ? 1 : 3);
  const rig = await openTransferRig('olares-bench-files-');
  if (!rig)
    return { name: 'transfer-files', figures: { skipped: 'curl is not installed (apt-get install curl)' } };
  const { work, local, remoteHome, url, simPid } = rig;
  let server: Awaited<ReturnType<typeof connectStdio>> | undefined;
  try {
    const token = await firstFactor(url);
    const src = join(local, 'proj');
    const rels = await makeProject(src, count);
    const bytes = (await Promise.all(rels.map((r) => readFile(join(src, r))))).reduce(
      (a, b) => a + b.length,
      0,
    );
    const expected = await digests(src);
    const started = await startFilesServer({ work, url, token, local });
    server = started.server;
    const { callTool } = started;
    const curl = (config: string) =>
      run('curl', ['-sS', '--fail', '--parallel', '--parallel-max', String(CURL_PARALLEL), '-K', config], {
        maxBuffer: 1 << 20,
      });
    const linkRes = await fetch(
      `${url}/files/upload/upload-link/olares/?file_path=${encodeURIComponent('/drive/Home/')}&from=web`,
      // Node routes take only the cookie, as behind the real gateway.
      { headers: { 'x-authorization': token, cookie: `auth_token=${token}` } },
    );
    const link = (await linkRes.text()).trim();
    const curlUpConfig = async (top: string) => {
      const config = join(work, `up-${top}.cfg`);
      const sized = await Promise.all(
        rels.map(async (r) => ({ r, size: (await readFile(join(src, r))).length })),
      );
      const entries = sized.map(({ r, size }) =>
        [
          `url = "${url}/files${link}?ret-json=1"`,
          `header = "X-Authorization: ${token}"`,
          `header = "Cookie: auth_token=${token}"`,
          `header = "Content-Range: bytes 0-${size - 1}/${size}"`,
          'form = "resumableChunkNumber=1"',
          `form = "resumableFilename=${r.slice(r.lastIndexOf('/') + 1)}"`,
          'form = "parent_dir=/drive/Home/"',
          `form = "relative_path=${top}/${dirname(r)}/"`,
          `form = "file=@${join(src, r)}"`,
          'output = "/dev/null"',
        ].join('\n'),
      );
      await writeFile(config, entries.join('\nnext\n'));
      return config;
    };
    const curlDownConfig = async (out: string) => {
      const config = join(work, 'down.cfg');
      const entries = rels.map((r) =>
        [
          `url = "${url}/files/api/raw/drive/Home/up-0/proj/${r}"`,
          `header = "X-Authorization: ${token}"`,
          `output = "${join(out, r)}"`,
          'create-dirs',
        ].join('\n'),
      );
      await writeFile(config, entries.join('\nnext\n'));
      return config;
    };

    const ms = {
      toolUp: [] as number[],
      curlUp: [] as number[],
      toolDown: [] as number[],
      curlDown: [] as number[],
    };
    const cpu = { toolUp: 0, curlUp: 0, toolDown: 0, curlDown: 0 };
    // The simulator's share: both sides drive the same one, so what it costs per file is shared
    // CPU on a small machine, and a client that makes it work harder pays for that too.
    const simCpu = { toolUp: 0, curlUp: 0, toolDown: 0, curlDown: 0 };
    /** Times `fn` and adds the CPU seconds `whose` spent (the server, or the curl children). */
    const measure = async (key: keyof typeof ms, whose: 'server' | 'curl', fn: () => Promise<unknown>) => {
      const who = whose === 'server' ? server!.pid : 'self-children';
      const [before, simBefore] = [await cpuSeconds(who), await cpuSeconds(simPid)];
      ms[key].push(await timed(fn));
      cpu[key] += (await cpuSeconds(who)) - before;
      simCpu[key] += (await cpuSeconds(simPid)) - simBefore;
    };
    let ok = true;
    for (let r = 0; r < rounds; r++) {
      const toolUp = async () => {
        await mkdir(join(remoteHome, `up-${r}`));
        await measure('toolUp', 'server', () =>
          callTool('files_upload', { localPath: src, remotePath: `drive/Home/up-${r}/` }),
        );
        if (r === 0) ok &&= (await digests(join(remoteHome, 'up-0', 'proj'))) === expected;
        else await rm(join(remoteHome, `up-${r}`), { recursive: true });
      };
      const curlUp = async () => {
        const config = await curlUpConfig(`curl-${r}`);
        await measure('curlUp', 'curl', () => curl(config));
        if (r === 0) ok &&= (await digests(join(remoteHome, `curl-${r}`))) === expected;
        await rm(join(remoteHome, `curl-${r}`), { recursive: true });
      };
      const toolDown = async () => {
        const out = join(local, `tool-${r}`);
        await mkdir(out);
        await measure('toolDown', 'server', () =>
          callTool('files_download', { remotePath: 'drive/Home/up-0/proj', localPath: `${out}/` }),
        );
        if (r === 0) ok &&= (await digests(join(out, 'proj'))) === expected;
        await rm(out, { recursive: true });
      };
      const curlDown = async () => {
        const out = join(local, `curl-${r}`);
        const config = await curlDownConfig(out);
        await measure('curlDown', 'curl', () => curl(config));
        if (r === 0) ok &&= (await digests(out)) === expected;
        await rm(out, { recursive: true });
      };
      // The tool's first upload makes the folder both sides download: it always goes first.
      const order = r % 2 === 0 ? [toolUp, curlUp, toolDown, curlDown] : [curlUp, toolUp, curlDown, toolDown];
      for (const step of order) await step();
    }
    if (process.env.BENCH_VERBOSE) process.stderr.write(`${JSON.stringify({ ms, cpu, simCpu })}\n`);
    const peakRss = await peakRssMiB(server!.pid);
    const perSec = (xs: number[]) => round(count / (median(xs) / 1000), 0);
    const upRatio = round(median(ms.curlUp) / median(ms.toolUp));
    const downRatio = round(median(ms.curlDown) / median(ms.toolDown));
    const perFileMs = (seconds: number) => round((seconds / rounds / count) * 1000, 3);
    const cpuMs = (k: keyof typeof cpu) => perFileMs(cpu[k]);
    const simMs = (k: keyof typeof simCpu) => perFileMs(simCpu[k]);
    return {
      name: 'transfer-files',
      figures: {
        files: count,
        MiB: round(bytes / 2 ** 20, 1),
        rounds,
        toolUpFilesPerSec: perSec(ms.toolUp),
        curlUpFilesPerSec: perSec(ms.curlUp),
        toolDownFilesPerSec: perSec(ms.toolDown),
        curlDownFilesPerSec: perSec(ms.curlDown),
        upRatio,
        downRatio,
        toolUpCpuMsPerFile: cpuMs('toolUp'),
        curlUpCpuMsPerFile: cpuMs('curlUp'),
        toolDownCpuMsPerFile: cpuMs('toolDown'),
        curlDownCpuMsPerFile: cpuMs('curlDown'),
        simCpuMsPerFileUpToolVsCurl: `${simMs('toolUp')}/${simMs('curlUp')}`,
        simCpuMsPerFileDownToolVsCurl: `${simMs('toolDown')}/${simMs('curlDown')}`,
        curlParallel: CURL_PARALLEL,
        serverPeakRssMiB: round(peakRss, 1),
        sha256Match: String(ok),
      },
      ratio: Math.min(upRatio, downRatio),
      goal: 'files/s >= 0.8x curl --parallel both ways, server peak RSS <= 150 MiB',
      pass: upRatio >= 0.8 && downRatio >= 0.8 && peakRss <= 150 && ok,
    };
  } finally {
    await rig.close(server);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) report(await benchTransferFiles());
