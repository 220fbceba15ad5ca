// files_download: one file lands whole under its final name or not at all; a folder goes through
// transfers.ts.
import { z } from 'zod';
import { InvalidInputError, OlaresMcpError } from '../../errors.js';
import { type Entry, type FilesClient, RemotePath } from '../../olares/files/index.js';
import { MUTATE_IDEMPOTENT } from '../annotations.js';
import type { ToolContext } from '../context.js';
import { defineTool } from '../defineTool.js';
import { createDownloadTemp, type DownloadTemp, discardDownloadTemp, landDownload } from '../localFiles.js';
import { resolveLocalTarget } from '../localPaths.js';
import { humanBytes, remotePathArg, statOrThrow, withRetries } from './shared.js';
import { downloadFolder } from './transfers.js';

export const filesDownload = defineTool({
  name: 'files_download',
  title: 'Download',
  description: 'Download a remote file or folder; resumable.',
  toolset: 'files',
  input: {
    remotePath: remotePathArg,
    localPath: z.string().describe('Local file, or folder ending /, in the local roots'),
    overwrite: z.boolean().optional().describe('Replace an existing file'),
  },
  output: {
    remotePath: z.string(),
    localPath: z.string(),
    bytes: z.number(),
    resumed: z.number(),
    files: z.number().optional(),
  },
  annotations: MUTATE_IDEMPOTENT,
  async handler({ remotePath, localPath, overwrite }, ctx) {
    const p = RemotePath.parse(remotePath);
    const files = (await ctx.olares()).files;
    const entry = await statOrThrow(files, p, ctx.signal);
    if (entry.isDir) {
      const got = await downloadFolder(files, p, localPath, Boolean(overwrite), ctx, { retry: withRetries });
      return {
        data: got,
        summary: `downloaded ${got.files} file(s), ${humanBytes(got.bytes)}, from ${got.remotePath} to ${got.localPath}${got.resumed ? ` (resumed ${got.resumed}x after dropped connections)` : ''}`,
      };
    }
    const target = await resolveLocalTarget(localPath, p.name, await ctx.localRoots());
    if (target.exists && !overwrite) {
      throw new InvalidInputError(
        `local file "${target.path}" already exists. Fix: pass overwrite: true to replace it, or choose another localPath`,
      );
    }
    if (target.exists)
      await ctx.confirm({
        question: `Replace the local file ${target.path} with ${p.display}?`,
        targets: [target.path],
        kind: 'risky',
      });
    const { written, resumed } = await downloadFile(files, p, entry, target, Boolean(overwrite), ctx);
    return {
      data: { remotePath: p.display, localPath: target.path, bytes: written, resumed },
      summary: `downloaded ${p.display} (${humanBytes(written)}) to ${target.path}${resumed ? ` (resumed ${resumed}x after dropped connections)` : ''}`,
    };
  },
});

type LocalTarget = Awaited<ReturnType<typeof resolveLocalTarget>>;

/** Fetches `p` into a temp file beside the target, then lands it under the target's name. */
async function downloadFile(
  files: FilesClient,
  p: RemotePath,
  entry: Entry,
  target: LocalTarget,
  overwrite: boolean,
  ctx: ToolContext,
): Promise<{ written: number; resumed: number }> {
  const temp = await createDownloadTemp(target);
  try {
    const got = await fetchResumable(files, p, entry, temp, ctx);
    // The rename below makes the file appear whole or not at all; like curl and browsers we do
    // not fsync a download (that alone cost a third of the throughput on a 1 GiB file).
    const final = await temp.handle.stat();
    if (entry.size && final.size !== entry.size) {
      throw new OlaresMcpError(
        `download ${p.display}: got ${final.size} bytes but the server listed ${entry.size}; nothing was written under the final name. Try again`,
        { code: 'transport', retryable: true },
      );
    }
    // Without overwrite, link() fails if the name appeared meanwhile: never clobber a file we
    // were not told to. Either way the folder must still be the one that was checked.
    await landDownload(temp, target, overwrite);
    return got;
  } catch (err) {
    await discardDownloadTemp(temp);
    if (ctx.signal.aborted)
      throw new OlaresMcpError(
        `download of ${p.display} was cancelled; no file was written under ${target.path}`,
        { code: 'cancelled' },
      );
    throw err;
  } finally {
    await temp.handle.close();
  }
}

/** Writes the file into the temp, resuming after a dropped connection from what reached the disk. */
async function fetchResumable(
  files: FilesClient,
  p: RemotePath,
  entry: Entry,
  temp: DownloadTemp,
  ctx: ToolContext,
): Promise<{ written: number; resumed: number }> {
  let written = 0;
  let resumed = 0;
  await withRetries(`download ${p.display}`, ctx.signal, async (attempt) => {
    // Resume from what reached the disk, whatever the counter says.
    written = attempt > 1 ? (await temp.handle.stat()).size : 0;
    if (attempt > 1 && written > 0) resumed++;
    // At most about 100 notifications per file, plus the last one: not one per socket read.
    const step = Math.max(Math.ceil(entry.size / 100), 64 * 1024);
    let reported = written;
    await files.download(p, {
      from: written,
      size: entry.size,
      signal: ctx.signal,
      sink: {
        fd: temp.handle.fd,
        offsetFor(status) {
          if (status !== 206) written = 0; // the server ignored the Range: start over
          reported = written;
          return written;
        },
        onBytes(n) {
          written += n;
          if (written - reported < step && written < entry.size) return;
          reported = written;
          void ctx.progress(written, entry.size, `${humanBytes(written)} of ${humanBytes(entry.size)}`);
        },
      },
    });
  });
  return { written, resumed };
}
