// Median latency of files_ls through MCP vs (a bare SDK echo tool call + the same HTTP GET made
// directly with undici) against the simulator: what the tool layer adds on top of the protocol
// and the network.
import { request } from 'undici';
import { makeBox } from '../test/helpers/sim.js';
import { BARE, type BenchResult, CLI, median, quick, report, round } from './lib.js';
import { connectStdio } from './mcp.js';

export async function benchCallOverhead(): Promise<BenchResult> {
  const n = quick ? 50 : 500;
  const box = await makeBox();
  const ours = await connectStdio(process.execPath, [CLI], box.env);
  const bare = await connectStdio(process.execPath, [BARE], process.env);
  try {
    await box.login('bob@olares.com');
    const { tools } = await ours.client.listTools();
    if (!tools.some((t) => t.name === 'files_ls'))
      return { name: 'call-overhead', figures: { skipped: 'files_ls not registered' } };
    const token = (await box.auth.stores.file.get('bob@olares.com'))!.accessToken;
    const url = `${box.sim.url}/files/api/resources/drive/Home/`;
    const direct = async () => {
      const res = await request(url, { headers: { 'x-authorization': token, accept: 'application/json' } });
      await res.body.text();
    };
    // Warm both paths (connections, JIT) before measuring.
    for (let i = 0; i < 10; i++) {
      await ours.client.callTool({ name: 'files_ls', arguments: { path: 'drive/Home' } });
      await bare.client.callTool({ name: 'echo', arguments: { text: 'x' } });
      await direct();
    }
    const mcp: number[] = [];
    const base: number[] = [];
    for (let i = 0; i < n; i++) {
      let t0 = performance.now();
      const r: any = await ours.client.callTool({ name: 'files_ls', arguments: { path: 'drive/Home' } });
      mcp.push(performance.now() - t0);
      if (r.isError) throw new Error(`files_ls failed: ${JSON.stringify(r.content)}`);
      t0 = performance.now();
      await bare.client.callTool({ name: 'echo', arguments: { text: 'x' } });
      await direct();
      base.push(performance.now() - t0);
    }
    const ratio = round(median(mcp) / median(base));
    return {
      name: 'call-overhead',
      figures: { calls: n, filesLsMs: round(median(mcp), 3), echoPlusGetMs: round(median(base), 3) },
      ratio,
      goal: '<= 1.25',
      pass: ratio <= 1.25,
    };
  } finally {
    await ours.close();
    await bare.close();
    await box.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) report(await benchCallOverhead());
