// Median latency of files_ls through MCP vs (a bare SDK echo tool call + the same HTTP GET made
// directly with undici) against the simulator: what the tool layer adds on top of the protocol
// and the network. The simulator runs in its own process, as a box would, so the baseline's GET
// crosses a process boundary like the server's does. The same comparison with the simulator
// inside the benchmark process (where the baseline's GET never leaves its event loop) is
// printed too, not judged; so is the baseline with its GET on the server's own kept-alive client
// (transport/keepAlive.ts, which the server's JSON GETs use instead of undici).
import { rm } from 'node:fs/promises';
import { request } from 'undici';
import { getKeptAlive } from '../src/transport/keepAlive.js';
import { makeBox } from '../test/helpers/sim.js';
import {
  BARE,
  BENCH_USER,
  type BenchResult,
  CLI,
  loggedInHome,
  median,
  quick,
  report,
  round,
  startSimProcess,
} from './lib.js';
import { connectStdio } from './mcp.js';

const USER = BENCH_USER;

async function measure(simUrl: string, env: NodeJS.ProcessEnv, token: string, n: number) {
  const ours = await connectStdio(process.execPath, [CLI], env);
  const bare = await connectStdio(process.execPath, [BARE], process.env);
  try {
    const { tools } = await ours.client.listTools();
    if (!tools.some((t) => t.name === 'files_ls')) return undefined;
    const url = `${simUrl}/files/api/resources/drive/Home/`;
    const direct = async () => {
      const res = await request(url, { headers: { 'x-authorization': token, accept: 'application/json' } });
      await res.body.text();
    };
    const sink = { put() {}, offsetFor: () => 0, onBytes() {} };
    const headers = { 'x-authorization': token, accept: 'application/json' };
    const directKept = () =>
      getKeptAlive(url, sink, { headers, headersTimeoutMs: 30_000, idleTimeoutMs: 30_000 });
    // Warm both paths (connections, JIT) before measuring.
    for (let i = 0; i < 10; i++) {
      await ours.client.callTool({ name: 'files_ls', arguments: { path: 'drive/Home' } });
      await bare.client.callTool({ name: 'echo', arguments: { text: 'x' } });
      await direct();
      await directKept();
    }
    const mcp: number[] = [];
    const base: number[] = [];
    const baseKept: number[] = [];
    for (let i = 0; i < n; i++) {
      let t0 = performance.now();
      const r: any = await ours.client.callTool({ name: 'files_ls', arguments: { path: 'drive/Home' } });
      mcp.push(performance.now() - t0);
      if (r.isError) throw new Error(`files_ls failed: ${JSON.stringify(r.content)}`);
      t0 = performance.now();
      await bare.client.callTool({ name: 'echo', arguments: { text: 'x' } });
      await direct();
      base.push(performance.now() - t0);
      t0 = performance.now();
      await bare.client.callTool({ name: 'echo', arguments: { text: 'x' } });
      await directKept();
      baseKept.push(performance.now() - t0);
    }
    return {
      filesLsMs: median(mcp),
      echoPlusGetMs: median(base),
      ratio: median(mcp) / median(base),
      keptAliveRatio: median(mcp) / median(baseKept),
    };
  } finally {
    await ours.close();
    await bare.close();
  }
}

export async function benchCallOverhead(): Promise<BenchResult> {
  const n = quick ? 50 : 500;
  const sim = await startSimProcess();
  const own = await loggedInHome(`${sim.url}/{service}`);
  const box = await makeBox();
  try {
    const separate = await measure(sim.url, own.env, own.token, n);
    await box.login(USER);
    const inProcess = await measure(
      box.sim.url,
      box.env,
      (await box.auth.stores.file.get(USER))!.accessToken,
      n,
    );
    if (!separate || !inProcess)
      return { name: 'call-overhead', figures: { skipped: 'files_ls not registered' } };
    const ratio = round(separate.ratio);
    return {
      name: 'call-overhead',
      figures: {
        calls: n,
        filesLsMs: round(separate.filesLsMs, 3),
        echoPlusGetMs: round(separate.echoPlusGetMs, 3),
        simInBenchProcessRatio: round(inProcess.ratio),
        vsKeptAliveGetRatio: round(separate.keptAliveRatio),
      },
      ratio,
      goal: '<= 1.15',
      pass: ratio <= 1.15,
    };
  } finally {
    await sim.close();
    await box.close();
    await rm(own.home, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) report(await benchCallOverhead());
