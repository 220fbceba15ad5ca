// Transfer benchmark: one file up and down through files_upload / files_download (the built
// server, spawned over stdio with the SDK client) and through curl against the same simulator
// endpoints, in one run. The simulator runs in its own process (`olares-mcp sim`), so the
// server, curl and the simulator never share an event loop.
//
// Usage: node bench/transfer.mjs [--size-mb N]   (default 1024; quick mode: --size-mb 16)
// Server: $OLARES_MCP_CLI or dist/cli.js. Goals: tools/curl throughput >= 0.7 both ways,
// server peak RSS (VmHWM) <= 150 MiB. The last line of output is JSON.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { arch, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');
const CLI = resolve(process.env.OLARES_MCP_CLI || join(ROOT, 'dist/cli.js'));
const CHUNK = 8 * 1024 * 1024; // what files_upload sends per chunk by default
const MiB = 2 ** 20;
const USER = { olaresId: 'bob@olares.com', local: 'bob', password: 'demo-password-bob' };

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const sizeMb = Number(arg('--size-mb', '1024'));
if (!Number.isFinite(sizeMb) || sizeMb <= 0) throw new Error('--size-mb takes a positive number');
const bytes = Math.round(sizeMb * MiB);
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const mibps = (ms) => round(bytes / MiB / (ms / 1000), 1);
const log = (s) => process.stdout.write(`${s}\n`);

async function sha256(path) {
  const h = createHash('sha256');
  for await (const c of createReadStream(path, { highWaterMark: 4 * MiB })) h.update(c);
  return h.digest('hex');
}

async function peakRssMiB(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
  return kb / 1024;
}

async function makeFile(path, size) {
  const fh = await open(path, 'w');
  const block = Buffer.alloc(4 * MiB);
  for (let off = 0; off < size; off += block.length) {
    for (let p = 0; p < block.length; p += 4096) block.writeUInt32LE((off + p) >>> 12, p);
    await fh.write(block, 0, Math.min(block.length, size - off));
  }
  await fh.close();
}

/** `olares-mcp sim` in a child process; resolves with its base URL once it listens. */
function startSim(filesRoot) {
  const child = spawn(process.execPath, [CLI, 'sim', '--token-ttl', '7200', '--files-root', filesRoot], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((ok, fail) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) ok({ url: m[1], child });
    });
    child.once('exit', (code) => fail(new Error(`simulator exited (${code}) before listening: ${out}`)));
    child.once('error', fail);
  });
}

async function firstFactor(url) {
  const password = createHash('md5').update(`${USER.password}@Olares2025`).digest('hex');
  const res = await fetch(`${url}/auth/api/firstfactor?hideCookie=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: USER.local, password, targetURL: `${url}/desktop/` }),
  });
  const body = await res.json();
  if (!body?.data?.access_token) throw new Error(`login failed: HTTP ${res.status}`);
  return { access: body.data.access_token, refresh: body.data.refresh_token };
}

async function callTool(client, name, args) {
  const t0 = performance.now();
  const r = await client.callTool({ name, arguments: args }, undefined, { timeout: 3_600_000 });
  const ms = performance.now() - t0;
  if (r.isError) throw new Error(`${name} failed: ${r.content?.[0]?.text}`);
  return ms;
}

const work = await mkdtemp(join(tmpdir(), 'olares-bench-transfer-'));
const filesRoot = join(work, 'box');
const local = join(work, 'local');
await run('mkdir', ['-p', filesRoot, local]);
const { url, child: sim } = await startSim(filesRoot);
let mcp;
try {
  log(
    `transfer: ${sizeMb} MiB, ${cpus()[0]?.model ?? '?'} x${cpus().length} ${arch()}, node ${process.version}, simulator in a separate process`,
  );
  const token = await firstFactor(url);
  const src = join(local, 'payload.bin');
  await makeFile(src, bytes);
  const digest = await sha256(src);

  // ---- through the MCP tools ----
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: work,
      OLARES_MCP_HOME: join(work, 'home'),
      OLARES_URL_TEMPLATE: `${url}/{service}`,
      OLARES_TOKEN_STORE: 'file',
      OLARES_TOOLSETS: 'files',
      OLARES_ID: USER.olaresId,
      OLARES_ACCESS_TOKEN: token.access,
      OLARES_LOCAL_ROOTS: local,
    },
    stderr: process.env.BENCH_STDERR ? 'inherit' : 'ignore',
  });
  mcp = new Client({ name: 'olares-mcp-bench', version: '0' });
  await mcp.connect(transport);
  const pid = transport.pid;
  const rssIdle = await peakRssMiB(pid);
  const toolUpMs = await callTool(mcp, 'files_upload', { localPath: src, remotePath: 'drive/Home/tool.bin' });
  const rssAfterUp = await peakRssMiB(pid);
  const toolDownMs = await callTool(mcp, 'files_download', {
    remotePath: 'drive/Home/tool.bin',
    localPath: join(local, 'tool.out'),
  });
  const peakRss = await peakRssMiB(pid);
  const toolOk = (await sha256(join(local, 'tool.out'))) === digest;
  await mcp.close();
  mcp = undefined;
  await rm(join(local, 'tool.out'), { force: true });
  await rm(join(filesRoot, USER.local, 'drive', 'Home', 'tool.bin'), { force: true });

  // ---- the same bytes with curl: same endpoints, same 8 MiB chunks, same token ----
  const linkRes = await fetch(
    `${url}/files/upload/upload-link/olares/?file_path=${encodeURIComponent('/drive/Home/')}&from=web`,
    { headers: { 'x-authorization': token.access } },
  );
  const link = (await linkRes.text()).trim();
  // curl sends a multipart part from a whole file: split the payload outside the timed part.
  const parts = [];
  const fh = await open(src, 'r');
  for (let off = 0, i = 0; off < bytes; off += CHUNK, i++) {
    const buf = Buffer.alloc(Math.min(CHUNK, bytes - off));
    await fh.read(buf, 0, buf.length, off);
    const part = join(work, `part.${i}`);
    await writeFile(part, buf);
    parts.push({ part, start: off, end: off + buf.length - 1 });
  }
  await fh.close();
  const config = parts
    .map(({ part, start, end }, i) =>
      [
        `url = "${url}/files${link}?ret-json=1"`,
        `header = "X-Authorization: ${token.access}"`,
        `header = "Content-Range: bytes ${start}-${end}/${bytes}"`,
        `form = "resumableChunkNumber=${i + 1}"`,
        'form = "resumableFilename=curl.bin"',
        'form = "parent_dir=/drive/Home/"',
        `form = "file=@${part}"`,
        'output = "/dev/null"',
      ].join('\n'),
    )
    .join('\nnext\n');
  await writeFile(join(work, 'curl.cfg'), config);
  let t0 = performance.now();
  await run('curl', ['-sS', '--fail', '-K', join(work, 'curl.cfg')], { maxBuffer: 1 << 20 });
  const curlUpMs = performance.now() - t0;
  for (const { part } of parts) await rm(part, { force: true });
  t0 = performance.now();
  await run('curl', [
    '-sS',
    '--fail',
    '-H',
    `X-Authorization: ${token.access}`,
    '-o',
    join(local, 'curl.out'),
    `${url}/files/api/raw/drive/Home/curl.bin`,
  ]);
  const curlDownMs = performance.now() - t0;
  const curlOk = (await sha256(join(local, 'curl.out'))) === digest;

  const upRatio = round(curlUpMs / toolUpMs);
  const downRatio = round(curlDownMs / toolDownMs);
  const result = {
    name: 'transfer',
    sizeMiB: sizeMb,
    toolUpMiBps: mibps(toolUpMs),
    toolDownMiBps: mibps(toolDownMs),
    curlUpMiBps: mibps(curlUpMs),
    curlDownMiBps: mibps(curlDownMs),
    upRatio,
    downRatio,
    ratio: Math.min(upRatio, downRatio),
    serverRssIdleMiB: round(rssIdle, 1),
    serverPeakRssAfterUploadMiB: round(rssAfterUp, 1),
    serverPeakRssMiB: round(peakRss, 1),
    sha256Match: toolOk && curlOk,
    goal: 'tools/curl throughput >= 0.7 both ways, server peak RSS <= 150 MiB',
    pass: upRatio >= 0.7 && downRatio >= 0.7 && peakRss <= 150 && toolOk && curlOk,
  };
  log(`upload:   tools ${result.toolUpMiBps} MiB/s, curl ${result.curlUpMiBps} MiB/s, ratio ${upRatio}`);
  log(
    `download: tools ${result.toolDownMiBps} MiB/s, curl ${result.curlDownMiBps} MiB/s, ratio ${downRatio}`,
  );
  log(
    `server peak RSS ${result.serverPeakRssMiB} MiB (idle ${result.serverRssIdleMiB}), sha256 ${result.sha256Match ? 'match' : 'MISMATCH'}`,
  );
  log(
    `${sizeMb < 256 ? 'quick mode: too small to judge' : result.pass ? 'PASS' : 'MISS'} (goal ${result.goal})`,
  );
  log(JSON.stringify(result));
} finally {
  await mcp?.close().catch(() => {});
  sim.kill('SIGTERM');
  await new Promise((r) => (sim.exitCode === null ? sim.once('exit', r) : r()));
  await rm(work, { recursive: true, force: true });
}
