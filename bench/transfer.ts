// 1 GiB through files_upload / files_download vs curl moving the same bytes to and from the same
// simulator endpoints, measured side by side in one run; plus the server's peak RSS.
// Usage: node --import tsx bench/transfer.ts [--size-mb N] (default 1024; --quick uses 16).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { makeBox } from '../test/helpers/sim.js';
import { type BenchResult, CLI, quick, report, round } from './lib.js';
import { connectStdio } from './mcp.js';

const run = promisify(execFile);
const CHUNK = 8 * 1024 * 1024;

function sizeMb(): number {
  const i = process.argv.indexOf('--size-mb');
  return i > 0 ? Number(process.argv[i + 1]) : quick ? 16 : 1024;
}

async function sha256(path: string) {
  const h = createHash('sha256');
  for await (const c of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) h.update(c);
  return h.digest('hex');
}

async function peakRssMiB(pid: number | null | undefined): Promise<number> {
  if (!pid) return Number.NaN;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
  return kb / 1024;
}

async function makeFile(path: string, bytes: number) {
  const fh = await open(path, 'w');
  const block = Buffer.alloc(4 * 1024 * 1024);
  for (let off = 0; off < bytes; off += block.length) {
    // Cheap non-repeating content: a counter stamped into each 4 KiB page.
    for (let p = 0; p < block.length; p += 4096) block.writeUInt32LE((off + p) >>> 12, p);
    await fh.write(block, 0, Math.min(block.length, bytes - off));
  }
  await fh.close();
}

export async function benchTransfer(): Promise<BenchResult> {
  const bytes = sizeMb() * 1024 * 1024;
  const haveCurl = await run('curl', ['--version']).then(
    () => true,
    () => false,
  );
  const box = await makeBox();
  const work = await mkdtemp(join(tmpdir(), 'olares-bench-transfer-'));
  const server = await connectStdio(process.execPath, [CLI], { ...box.env, OLARES_LOCAL_ROOTS: work });
  try {
    await box.login('bob@olares.com');
    const src = join(work, 'payload.bin');
    await makeFile(src, bytes);
    const digest = await sha256(src);

    // --- through the MCP tools ---
    let t0 = performance.now();
    const up: any = await server.client.callTool(
      { name: 'files_upload', arguments: { localPath: src, remotePath: 'drive/Home/tool.bin' } },
      undefined,
      { timeout: 600_000 },
    );
    const toolUpMs = performance.now() - t0;
    if (up.isError) throw new Error(`files_upload failed: ${up.content?.[0]?.text}`);
    t0 = performance.now();
    const down: any = await server.client.callTool(
      {
        name: 'files_download',
        arguments: { remotePath: 'drive/Home/tool.bin', localPath: join(work, 'tool.out') },
      },
      undefined,
      { timeout: 600_000 },
    );
    const toolDownMs = performance.now() - t0;
    if (down.isError) throw new Error(`files_download failed: ${down.content?.[0]?.text}`);
    const rss = await peakRssMiB(server.pid);
    const roundTripOk = (await sha256(join(work, 'tool.out'))) === digest;

    const figures: Record<string, number | string> = {
      sizeMiB: bytes / 2 ** 20,
      toolUpMiBps: round(bytes / 2 ** 20 / (toolUpMs / 1000), 1),
      toolDownMiBps: round(bytes / 2 ** 20 / (toolDownMs / 1000), 1),
      peakRssMiB: round(rss, 1),
      sha256Match: String(roundTripOk),
    };
    if (!haveCurl)
      return {
        name: 'transfer',
        figures: { ...figures, curl: 'not installed' },
        goal: 'peak RSS <= 150 MiB',
        pass: rss <= 150 && roundTripOk,
      };

    // --- the same bytes with curl, same endpoints, same chunking ---
    const token = (await box.auth.stores.file.get('bob@olares.com'))!.accessToken;
    const auth = ['-H', `X-Authorization: ${token}`];
    const linkRes = await request(
      `${box.sim.url}/files/upload/upload-link/olares/?file_path=${encodeURIComponent('/drive/Home/')}&from=web`,
      { headers: { 'x-authorization': token } },
    );
    const link = (await linkRes.body.text()).trim();
    // Split outside the timed part: curl sends whole files as multipart parts.
    const parts: string[] = [];
    for (let off = 0, i = 0; off < bytes; off += CHUNK, i++) {
      const part = join(work, `part.${i}`);
      const fh = await open(src, 'r');
      const buf = Buffer.alloc(Math.min(CHUNK, bytes - off));
      await fh.read(buf, 0, buf.length, off);
      await fh.close();
      await writeFile(part, buf);
      parts.push(part);
    }
    const config = parts
      .map((p, i) => {
        const start = i * CHUNK;
        const end = Math.min(bytes, start + CHUNK) - 1;
        return [
          `url = "${box.sim.url}/files${link}?ret-json=1"`,
          `header = "X-Authorization: ${token}"`,
          `header = "Content-Range: bytes ${start}-${end}/${bytes}"`,
          'form = "resumableFilename=curl.bin"',
          'form = "parent_dir=/drive/Home/"',
          `form = "file=@${p}"`,
          'output = "/dev/null"',
        ].join('\n');
      })
      .join('\nnext\n');
    await writeFile(join(work, 'curl.cfg'), config);
    t0 = performance.now();
    await run('curl', ['-sS', '--fail', '-K', join(work, 'curl.cfg')], { maxBuffer: 1 << 20 });
    const curlUpMs = performance.now() - t0;
    t0 = performance.now();
    await run('curl', [
      '-sS',
      '--fail',
      ...auth,
      '-o',
      join(work, 'curl.out'),
      `${box.sim.url}/files/api/raw/drive/Home/curl.bin`,
    ]);
    const curlDownMs = performance.now() - t0;
    const curlOk = (await sha256(join(work, 'curl.out'))) === digest;

    const upRatio = round(curlUpMs / toolUpMs);
    const downRatio = round(curlDownMs / toolDownMs);
    Object.assign(figures, {
      curlUpMiBps: round(bytes / 2 ** 20 / (curlUpMs / 1000), 1),
      curlDownMiBps: round(bytes / 2 ** 20 / (curlDownMs / 1000), 1),
      upRatio,
      downRatio,
      curlSha256Match: String(curlOk),
    });
    return {
      name: 'transfer',
      figures,
      ratio: Math.min(upRatio, downRatio),
      goal: 'throughput >= 0.7x curl both ways, peak RSS <= 150 MiB',
      pass: upRatio >= 0.7 && downRatio >= 0.7 && rss <= 150 && roundTripOk && curlOk,
    };
  } finally {
    await server.close();
    await box.close();
    await rm(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) report(await benchTransfer());
