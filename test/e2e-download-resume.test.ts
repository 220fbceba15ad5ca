// files_download after a dropped connection: the retry asks for the rest (Range), starts over when
// the server ignores the Range, and a file that ends short of its listed size is refused. Each
// test has its own box, so any one of them runs alone (`npx vitest run -t ...`).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, type McpSession, textOf } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';
import { eventually, gate } from './helpers/wait.js';

const RAW = 'GET /files/api/raw/*';
const DROP_AT = 64 * 1024 + 17;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** One file small enough for the pooled connection, one big enough (>= 1 MiB) for its own. */
const SIZES = { 'small.bin': 200 * 1024 + 5, 'big.bin': 1.5 * 2 ** 20 + 3 };

describe('files_download resume', () => {
  let box: TestBox;
  let mcp: McpSession;
  let filesRoot: string;
  let work: string;
  /** Puts `bytes` straight into bob's drive/Home on the simulator's disk. */
  const seed = (name: string, bytes: Buffer) =>
    writeFile(join(filesRoot, 'bob', 'drive', 'Home', name), bytes);

  beforeEach(async () => {
    filesRoot = await mkdtemp(join(tmpdir(), 'olares-mcp-resume-root-'));
    work = await mkdtemp(join(tmpdir(), 'olares-mcp-resume-'));
    box = await makeBox({ filesRoot });
    await box.login('bob@olares.com');
    mcp = await connect({ ...box.env, OLARES_LOCAL_ROOTS: work });
    // The simulator lays out the home folders on first use.
    expect((await mcp.call('files_ls', { path: 'drive/Home' })).isError).toBeFalsy();
  });
  afterEach(async () => {
    await mcp?.close();
    await box?.close();
    await rm(filesRoot, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  it('asks for the rest with Range after a dropped connection and resumes from there', async () => {
    for (const [name, size] of Object.entries(SIZES)) {
      const bytes = randomBytes(size);
      await seed(name, bytes);
      box.sim.resetCounters();
      box.sim.addFault({ match: RAW, kind: 'dropAfterBytes', bytes: DROP_AT, times: 1 });
      const down = await mcp.call('files_download', {
        remotePath: `drive/Home/${name}`,
        localPath: join(work, name),
      });
      expect(down.isError, textOf(down)).toBeFalsy();
      expect(sha(await readFile(join(work, name)))).toBe(sha(bytes));
      expect(box.sim.count(RAW)).toBe(2);
      // The first request asks for everything; the retry for what did not arrive, from a point
      // after the start (a restart would have no Range) and not past what was sent.
      expect(box.sim.ranges.filter((r) => r.key === RAW)).toHaveLength(1);
      const from = Number(/^bytes=(\d+)-$/.exec(box.sim.ranges[0].range)?.[1]);
      expect(from).toBeGreaterThan(0);
      expect(from).toBeLessThanOrEqual(DROP_AT);
      expect(down.structuredContent).toMatchObject({ bytes: size, resumed: 1 });
    }
  });

  it('starts over when the server answers the retry with the whole file (Range ignored)', async () => {
    for (const [name, size] of Object.entries(SIZES)) {
      const bytes = randomBytes(size);
      await seed(name, bytes);
      box.sim.resetCounters();
      box.sim.addFault({ match: RAW, kind: 'dropAfterBytes', bytes: DROP_AT, times: 1 });
      box.sim.addFault({ match: RAW, kind: 'ignoreRange', times: 1 });
      const down = await mcp.call('files_download', {
        remotePath: `drive/Home/${name}`,
        localPath: join(work, name),
      });
      expect(down.isError, textOf(down)).toBeFalsy();
      expect(box.sim.ranges.filter((r) => r.key === RAW)).toHaveLength(1); // asked, and was ignored
      expect((await stat(join(work, name))).size).toBe(size);
      expect(sha(await readFile(join(work, name)))).toBe(sha(bytes));
      expect(down.structuredContent.bytes).toBe(size);
    }
  });

  it('refuses a file that ends short of its listed size and writes nothing', async () => {
    await seed('shrinks.bin', randomBytes(300 * 1024));
    box.sim.resetCounters();
    // Hold the raw GET until the file has shrunk on the box: listed 300 KiB, served 100 KiB.
    const hold = gate();
    box.sim.addFault({ match: RAW, kind: 'latency', until: hold.opened, times: 1 });
    const pending = mcp.call('files_download', {
      remotePath: 'drive/Home/shrinks.bin',
      localPath: join(work, 'shrinks.bin'),
    });
    await eventually(() => box.sim.count(RAW) === 1, 'the raw GET to reach the simulator');
    await truncate(join(filesRoot, 'bob', 'drive', 'Home', 'shrinks.bin'), 100 * 1024);
    hold.open();
    const down = await pending;
    expect(down.isError).toBe(true);
    expect(textOf(down)).toMatch(/got 102400 bytes but the server listed 307200; nothing was written/);
    await expect(stat(join(work, 'shrinks.bin'))).rejects.toThrow(/ENOENT/);
  });
});
