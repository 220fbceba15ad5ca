// files tools (design.md sec. 4, olares-api/files.md). Remote paths are the front-end form
// `drive/Home/Documents/x.txt`; local paths are checked by localPaths.ts.
import { randomBytes } from 'node:crypto';
import { readdir, stat as statFile } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { z } from 'zod';
import { InvalidInputError, OlaresMcpError } from '../../errors.js';
import {
  DEFAULT_CHUNK_BYTES,
  type Entry,
  type FilesClient,
  RemoteNotFoundError,
  RemotePath,
  stagedName,
  uploadRoots,
} from '../../olares/files/index.js';
import { publicShareUrl } from '../../olares/links.js';
import type { ToolContext } from '../context.js';
import { defineTool, dryRunOutput, type ToolDeclaration } from '../defineTool.js';
import { createDownloadTemp, discardDownloadTemp, landDownload } from '../localFiles.js';
import { refuseHardlink, resolveLocalSource, resolveLocalTarget } from '../localPaths.js';
import { downloadFolder, uploadItems } from './transfers.js';

const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true };
const remotePathArg = z.string();
const entrySchema = z.object({
  name: z.string(),
  isDir: z.boolean(),
  size: z.number(),
  modified: z.string().optional(),
  type: z.string().optional(),
});

const MAX_TRANSFER_ATTEMPTS = 4;

function chunkBytes(env: NodeJS.ProcessEnv): number {
  const n = Number(env.OLARES_UPLOAD_CHUNK_BYTES);
  return Number.isInteger(n) && n >= 1024 && n <= DEFAULT_CHUNK_BYTES ? n : DEFAULT_CHUNK_BYTES;
}

function humanBytes(n: number) {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

async function statOrThrow(files: FilesClient, p: RemotePath, signal: AbortSignal): Promise<Entry> {
  const entry = await files.stat(p, signal);
  if (!entry) throw new RemoteNotFoundError(p.display, 'does not exist on the server');
  return entry;
}

/** Retries transient failures (dropped connections, 5xx) a few times; the rest fail at once. */
async function withRetries<T>(
  what: string,
  signal: AbortSignal,
  fn: (attempt: number) => Promise<T>,
): Promise<T> {
  let last: unknown;
  for (let attempt = 1; attempt <= MAX_TRANSFER_ATTEMPTS; attempt++) {
    if (signal.aborted) throw new OlaresMcpError(`${what} was cancelled`, { code: 'cancelled' });
    try {
      return await fn(attempt);
    } catch (err) {
      last = err;
      // A body that breaks off mid-stream surfaces as undici's SocketError, not a mapped error.
      const code = (err as NodeJS.ErrnoException)?.code ?? '';
      const retryable =
        err instanceof OlaresMcpError
          ? err.retryable
          : /UND_ERR_SOCKET|ECONNRESET|EPIPE|UND_ERR_BODY_TIMEOUT/.test(code) ||
            /other side closed|terminated/i.test(String((err as Error)?.message));
      if (!retryable || signal.aborted) throw err;
      await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** (attempt - 1), 2000)));
    }
  }
  throw new OlaresMcpError(
    `${what}: gave up after ${MAX_TRANSFER_ATTEMPTS} attempts: ${(last as Error)?.message ?? last}`,
    {
      code: 'transport',
      retryable: true,
    },
  );
}

// ---- read tools ------------------------------------------------------------------------------

export const filesLs = defineTool({
  name: 'files_ls',
  title: 'List Olares files',
  description: 'List a remote directory, directories first.',
  toolset: 'files',
  input: {
    path: remotePathArg,
    limit: z.number().int().min(1).max(1000).optional(),
    page: z.number().int().min(1).optional(),
  },
  output: {
    path: z.string(),
    numDirs: z.number(),
    numFiles: z.number(),
    total: z.number(),
    page: z.number(),
    nextPage: z.number().optional(),
    items: z.array(entrySchema),
  },
  annotations: READ,
  async handler({ path, limit = 200, page = 1 }, ctx) {
    const p = RemotePath.parse(path);
    const listing = await (await ctx.olares()).files.list(p, ctx.signal);
    const sorted = [...listing.items].sort(
      (a, b) => Number(b.isDir) - Number(a.isDir) || a.name.localeCompare(b.name),
    );
    const items = sorted.slice((page - 1) * limit, page * limit);
    const nextPage = page * limit < sorted.length ? page + 1 : undefined;
    return {
      data: {
        path: p.display,
        numDirs: listing.numDirs,
        numFiles: listing.numFiles,
        total: sorted.length,
        page,
        nextPage,
        items,
      },
      summary: `${p.display}: ${listing.numDirs} dirs, ${listing.numFiles} files${nextPage ? ` (page ${page}; more on page ${nextPage})` : ''}`,
    };
  },
});

export const filesStat = defineTool({
  name: 'files_stat',
  title: 'Stat an Olares file',
  description: 'Whether a remote path exists, file or directory, and its size.',
  toolset: 'files',
  input: { path: remotePathArg },
  output: { path: z.string(), exists: z.boolean(), entry: entrySchema.optional() },
  annotations: READ,
  async handler({ path }, ctx) {
    const p = RemotePath.parse(path);
    const entry = await (await ctx.olares()).files.stat(p, ctx.signal);
    return {
      data: { path: p.display, exists: Boolean(entry), entry },
      summary: entry
        ? `${p.display}: ${entry.isDir ? 'directory' : `file, ${humanBytes(entry.size)}`}`
        : `${p.display} does not exist`,
    };
  },
});

const CAT_DEFAULT = 64 * 1024;
const CAT_MAX = 1024 * 1024;

function looksBinary(buf: Buffer): boolean {
  const head = buf.subarray(0, 8192);
  if (head.includes(0)) return true;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.length < buf.length ? trimPartialUtf8(head) : head);
    return false;
  } catch {
    return true;
  }
}

/** Drops a UTF-8 sequence cut at the end of a buffer so a cap never makes text look binary. */
function trimPartialUtf8(buf: Buffer): Buffer {
  let end = buf.length;
  for (let i = 1; i <= 3 && end - i >= 0; i++) {
    const b = buf[end - i];
    if ((b & 0xc0) === 0x80) continue;
    if ((b & 0xc0) === 0xc0) {
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      if (i < need) end -= i;
    }
    break;
  }
  return buf.subarray(0, end);
}

/** Up to maxBytes of a file, from its start or (fromEnd) its end; the body is dumped after. */
async function readWindow(
  files: FilesClient,
  p: RemotePath,
  size: number,
  maxBytes: number,
  fromEnd: boolean,
  signal: AbortSignal,
) {
  const from = fromEnd ? Math.max(0, size - maxBytes) : 0;
  const res = await files.raw(p, { from, to: from + maxBytes - 1, signal });
  const chunks: Buffer[] = [];
  let got = 0;
  for await (const chunk of res.body) {
    const b = chunk as Buffer;
    chunks.push(b.subarray(0, Math.max(0, maxBytes - got)));
    got += b.length;
    if (got >= maxBytes) break;
  }
  res.body.destroy();
  return { buf: Buffer.concat(chunks), from };
}

/** The first or last `count` lines of a text; a window that starts mid-file drops its partial first line. */
function pickLines(text: string, mode: 'head' | 'tail', count: number, startsMidFile: boolean) {
  const all = text.split('\n');
  if (all[all.length - 1] === '') all.pop();
  if (startsMidFile) all.shift();
  const kept = mode === 'head' ? all.slice(0, count) : all.slice(-count);
  return { text: kept.length ? `${kept.join('\n')}\n` : '', lines: kept.length, more: all.length > count };
}

export const filesCat = defineTool({
  name: 'files_cat',
  title: 'Read an Olares text file',
  description: 'Read a remote text file, or its first or last lines; binary files: files_download.',
  toolset: 'files',
  input: {
    path: remotePathArg,
    head: z.number().int().min(1).max(100_000).optional().describe('First N lines'),
    tail: z.number().int().min(1).max(100_000).optional().describe('Last N lines'),
    maxBytes: z.number().int().min(1).max(CAT_MAX).optional().describe('Cap in bytes (default 65536)'),
  },
  output: {
    path: z.string(),
    size: z.number(),
    bytes: z.number(),
    truncated: z.boolean().describe('Only part of the file is shown'),
    lines: z.number().describe('Lines shown'),
    content: z.string(),
  },
  annotations: READ,
  async handler({ path, head, tail, maxBytes = CAT_DEFAULT }, ctx) {
    if (head && tail)
      throw new InvalidInputError('give head or tail, not both (one call reads one end of the file)');
    const p = RemotePath.parse(path);
    const files = (await ctx.olares()).files;
    const entry = await statOrThrow(files, p, ctx.signal);
    if (entry.isDir)
      throw new InvalidInputError(
        `${p.display} is a directory: files_cat only works on files (use files_ls to list it)`,
      );
    const { buf, from } = await readWindow(files, p, entry.size, maxBytes, Boolean(tail), ctx.signal);
    if (looksBinary(buf)) {
      throw new InvalidInputError(
        `${p.display} looks binary (${humanBytes(entry.size)}); files_cat shows text only. Use files_download to save it locally`,
      );
    }
    const cut = from + buf.length < entry.size;
    let text = (cut ? trimPartialUtf8(buf) : buf).toString('utf8');
    let truncated = cut || from > 0;
    let lines = text.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1).length;
    if (head || tail) {
      const picked = pickLines(text, head ? 'head' : 'tail', (head ?? tail)!, from > 0);
      ({ text, lines } = picked);
      truncated = picked.more || truncated;
    }
    // The note is ours, not the file's: it goes in the summary, never into the content.
    const shown = head
      ? `first ${lines} line(s)`
      : tail
        ? `last ${lines} line(s)`
        : cut
          ? `first ${humanBytes(buf.length)}`
          : '';
    const more = truncated
      ? `; more: ${tail ? 'a larger tail' : head ? 'a larger head' : 'raise maxBytes'} or files_download`
      : '';
    return {
      data: {
        path: p.display,
        size: entry.size,
        bytes: Buffer.byteLength(text),
        truncated,
        lines,
        content: text,
      },
      summary: `${shown || 'the whole file'}${more}`,
      raw: { label: `file ${p.display}`, field: 'content', text },
    };
  },
});

// ---- transfers -------------------------------------------------------------------------------

export const filesDownload = defineTool({
  name: 'files_download',
  title: 'Download an Olares file',
  description: 'Download a remote file or folder (recursive); resumable.',
  toolset: 'files',
  input: {
    remotePath: remotePathArg,
    localPath: z.string().describe('Local file or folder ending with / (absolute, in the local roots)'),
    overwrite: z.boolean().optional().describe('Replace an existing file'),
  },
  output: {
    remotePath: z.string(),
    localPath: z.string(),
    bytes: z.number(),
    resumed: z.number(),
    files: z.number().optional(),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
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
    const temp = await createDownloadTemp(target);
    let written = 0;
    let resumed = 0;
    try {
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
      await landDownload(temp, target, Boolean(overwrite));
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
    return {
      data: { remotePath: p.display, localPath: target.path, bytes: written, resumed },
      summary: `downloaded ${p.display} (${humanBytes(written)}) to ${target.path}${resumed ? ` (resumed ${resumed}x after dropped connections)` : ''}`,
    };
  },
});

interface UploadItem {
  local: string;
  size: number;
  relativePath: string; // name, or <dir>/<sub>/<name> for directory uploads
}

async function walkLocal(root: string, allowHardlinks: boolean): Promise<UploadItem[]> {
  const out: UploadItem[] = [];
  const base = basename(root);
  const walk = async (dir: string) => {
    for (const d of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, d.name);
      if (d.isDirectory()) await walk(full);
      else if (d.isFile()) {
        const st = await statFile(full);
        refuseHardlink(full, st.nlink, allowHardlinks);
        out.push({
          local: full,
          size: st.size,
          relativePath: `${base}/${relative(root, full).split(sep).join('/')}`,
        });
      }
    }
  };
  await walk(root);
  return out;
}

/**
 * The remote paths an upload would land on that already exist (security review M3): each
 * destination folder is listed once, level by level, and every name is checked against it; a
 * folder that does not exist yet has nothing below it to clash with.
 */
async function existingRemoteNames(
  files: FilesClient,
  folder: RemotePath,
  items: UploadItem[],
  signal: AbortSignal,
): Promise<string[]> {
  if (items.length === 1 && !items[0].relativePath.includes('/')) {
    const target = folder.child(items[0].relativePath);
    return (await files.stat(target, signal)) ? [target.display] : [];
  }
  const listings = new Map<string, Map<string, boolean>>();
  const listing = async (dir: RemotePath) => {
    let names = listings.get(dir.display);
    if (!names) {
      names = new Map((await files.list(dir, signal)).items.map((e) => [e.name, e.isDir] as const));
      listings.set(dir.display, names);
    }
    return names;
  };
  const clashes = new Set<string>();
  for (const item of items) {
    const segments = item.relativePath.split('/');
    let dir = folder;
    let names = await listing(dir);
    for (const [i, seg] of segments.entries()) {
      const isLast = i === segments.length - 1;
      const there = names.get(seg);
      if (there === undefined) break;
      // A file where a folder goes, or anything where a file goes, would be replaced.
      if (isLast || !there) {
        clashes.add(dir.child(seg).display);
        break;
      }
      dir = dir.child(seg);
      names = await listing(dir);
    }
  }
  return [...clashes];
}

export const filesUpload = defineTool({
  name: 'files_upload',
  title: 'Upload to Olares',
  description: 'Upload a local file or directory; resumable, with progress.',
  toolset: 'files',
  input: {
    localPath: z.string().describe('Local file or directory'),
    remotePath: z.string().describe('Target file, or folder ending with / (must exist)'),
    overwrite: z.boolean().optional().describe('Replace an existing file'),
  },
  output: { remotePath: z.string(), files: z.number(), bytes: z.number(), resumedFrom: z.number() },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async handler({ localPath, remotePath, overwrite }, ctx) {
    const allowed = await ctx.localRoots();
    const allowHardlinks = ctx.auth.config.allowHardlinks;
    const source = await resolveLocalSource(localPath, allowed, { allowHardlinks });
    const intoFolder = remotePath.trim().endsWith('/');
    const dest = RemotePath.parse(remotePath);
    if (source.isDir && !intoFolder)
      throw new InvalidInputError(
        `local "${localPath}" is a directory; remotePath "${remotePath}" must end with '/'`,
      );
    const folder = intoFolder ? dest : dest.parent;
    const roots = uploadRoots(folder);
    const files = (await ctx.olares()).files;
    const folderEntry = await files.stat(folder, ctx.signal);
    if (!folderEntry?.isDir)
      throw new InvalidInputError(
        `remote folder ${folder.display} does not exist. Fix: create it with files_mkdir first`,
      );
    const items = source.isDir
      ? await walkLocal(source.path, allowHardlinks)
      : [
          {
            local: source.path,
            size: source.size,
            relativePath: intoFolder ? basename(source.path) : dest.name,
          },
        ];
    const existing = await existingRemoteNames(files, folder, items, ctx.signal);
    if (existing.length && !overwrite)
      throw new InvalidInputError(
        `remote ${existing.slice(0, 10).join(', ')}${existing.length > 10 ? ` and ${existing.length - 10} more` : ''} already exist${existing.length === 1 ? 's' : ''}. Fix: pass overwrite: true to replace ${existing.length === 1 ? 'it' : 'them'}, or choose another remotePath (nothing was uploaded)`,
      );
    if (existing.length)
      await ctx.confirm({
        question: `Replace ${existing.length} existing remote file(s) with local ${source.path}?`,
        targets: existing,
        kind: 'risky',
      });
    // The box never overwrites: each taken name is uploaded beside and swapped in afterwards.
    const replacing = await stageOverwrites(files, folder, items, overwrite, ctx);
    const node = roots.nodeFromPath ?? (await files.defaultNode(ctx.signal));
    const chunkSize = chunkBytes(ctx.auth.env);
    const total = items.reduce((a, i) => a + i.size, 0);
    const parentDir = `${folder.wire(true)}`;
    const chunkParentDir = roots.chunkRoot
      ? `${roots.chunkRoot}${folder.isRoot ? '/' : `${folder.sub}/`}`
      : `${folder.isRoot ? '/' : `${folder.sub}/`}`;
    const { resumedFrom } = await uploadItems(
      items,
      {
        files,
        node,
        folder,
        parentDir,
        chunkParentDir,
        driveType: roots.driveType,
        chunkSize,
        roots: allowed,
        allowHardlinks,
      },
      ctx,
      {
        retry: withRetries,
        afterLastChunk: (taskId, what) => waitCloudTask(files, node, taskId, what, ctx),
      },
    );
    for (const r of replacing) await files.replaceWith(r.original, r.staged, ctx.signal);
    const shown = source.isDir
      ? `${folder.child(basename(source.path)).display}/`
      : (replacing[0]?.original ?? folder.child(items[0].relativePath)).display;
    return {
      data: { remotePath: shown, files: items.length, bytes: total, resumedFrom },
      summary: `uploaded ${items.length} file(s), ${humanBytes(total)}, to ${shown}${resumedFrom ? ` (resumed from ${humanBytes(resumedFrom)})` : ''}`,
    };
  },
});

/**
 * Cloud targets, and drive/sync files of 2 GiB or more, finish in a server task after the last
 * chunk (files.md sec. 8.5; posix.go UploadFinalize).
 */
async function waitCloudTask(
  files: FilesClient,
  node: string,
  taskId: string,
  what: string,
  ctx: ToolContext,
) {
  const started = Date.now();
  for (;;) {
    const t = await files.task(node, taskId, ctx.signal);
    if (t.status === 'completed') return;
    if (t.status === 'failed')
      throw new OlaresMcpError(
        `server-side finishing task ${taskId} for ${what} failed: ${t.message ?? 'server reported failure with no reason'}`,
        { code: 'olares_error' },
      );
    if (t.status === 'canceled')
      throw new OlaresMcpError(`server-side finishing task ${taskId} for ${what} was cancelled server-side`, {
        code: 'olares_error',
      });
    if (Date.now() - started > TASK_CAP_MS)
      throw new OlaresMcpError(
        `server-side finishing task ${taskId} for ${what} is still running after 10 minutes; check the folder later with files_ls`,
        { code: 'timeout' },
      );
    if (ctx.signal.aborted)
      throw new OlaresMcpError(`stopped waiting for server-side finishing task ${taskId}`, {
        code: 'cancelled',
      });
    await new Promise((r) => setTimeout(r, TASK_POLL_MS));
  }
}

// ---- changes ---------------------------------------------------------------------------------

export const filesMkdir = defineTool({
  name: 'files_mkdir',
  title: 'Create an Olares folder',
  description: 'Create a remote directory.',
  toolset: 'files',
  input: {
    path: remotePathArg,
    parents: z.boolean().optional().describe('Like mkdir -p'),
  },
  output: { path: z.string(), created: z.array(z.string()) },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler({ path, parents }, ctx) {
    const p = RemotePath.parse(path);
    if (p.isRoot)
      throw new InvalidInputError(
        `refusing to mkdir the root of ${p.fileType}/${p.extend}; pick a subdirectory name (e.g. ${p.fileType}/${p.extend}/NewFolder)`,
      );
    if (p.fileType === 'external' && p.sub.split('/').filter(Boolean).length === 1) {
      throw new InvalidInputError(
        `refusing to mkdir ${p.display}: depth-1 entries under external/<node>/ are mounted volumes; point at a sub-path inside a real volume`,
      );
    }
    const files = (await ctx.olares()).files;
    const chain: RemotePath[] = [];
    for (let q = p; !q.isRoot; q = q.parent) chain.unshift(q);
    // The server creates missing parents on its own (posix Create does MkdirAll): without
    // `parents`, check the parent here so a typo deep in the path is not silently built.
    if (!parents && !p.parent.isRoot && !(await files.stat(p.parent, ctx.signal))?.isDir)
      throw new RemoteNotFoundError(
        p.parent.display,
        'parent directory does not exist (pass parents: true to create missing intermediates)',
      );
    const created: string[] = [];
    for (const q of parents ? chain : [p]) {
      const existing = await files.stat(q, ctx.signal);
      if (existing?.isDir) continue;
      if (existing) throw new InvalidInputError(`${q.display} already exists but is not a directory`);
      await files.mkdir(q, ctx.signal);
      created.push(q.display);
    }
    return {
      data: { path: p.display, created },
      summary: created.length ? `created ${created.join(', ')}` : `${p.display} already exists`,
    };
  },
});

export const filesRm = defineTool({
  name: 'files_rm',
  title: 'Delete Olares files',
  description: 'Delete remote files or directories (recursive: true for directories).',
  toolset: 'files',
  input: {
    paths: z.array(z.string()).min(1).max(200),
    recursive: z.boolean().optional().describe('Required to delete directories'),
    dryRun: z.boolean().optional(),
  },
  output: { deleted: z.array(z.string()), ...dryRunOutput },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  async handler({ paths, recursive, dryRun }, ctx) {
    const targets = paths.map((raw) => ({ raw, p: RemotePath.parse(raw) }));
    for (const { p } of targets) {
      if (p.isRoot) throw new InvalidInputError(`refusing to delete the root of ${p.fileType}/${p.extend}`);
      if (p.isProtected) {
        throw new InvalidInputError(
          `refusing to delete ${p.display}: it is a system-managed folder reserved by Files. Delete its contents instead (e.g. ${p.display}/<entry>)`,
        );
      }
    }
    const files = (await ctx.olares()).files;
    const groups = new Map<string, { parent: RemotePath; dirents: string[] }>();
    for (const { raw, p } of targets) {
      const entry = await files.stat(p, ctx.signal);
      if (!entry)
        throw new RemoteNotFoundError(p.display, 'does not exist on the server; nothing was deleted');
      if (entry.isDir && !recursive)
        throw new InvalidInputError(
          `${p.display} is a directory: pass recursive: true to remove it (nothing was deleted)`,
        );
      if (!entry.isDir && raw.trim().endsWith('/'))
        throw new InvalidInputError(
          `${p.display} is a file on the server, not a directory; drop the trailing '/'`,
        );
      const key = p.parent.display;
      const g = groups.get(key) ?? { parent: p.parent, dirents: [] };
      const dirent = entry.isDir ? `/${p.name}/` : `/${p.name}`;
      if (!g.dirents.includes(dirent)) g.dirents.push(dirent);
      groups.set(key, g);
    }
    const plan = [...groups.values()].flatMap((g) =>
      g.dirents.map((d) => `${g.parent.display}${g.parent.isRoot ? '' : '/'}${d.replace(/^\//, '')}`),
    );
    if (dryRun)
      return {
        data: { deleted: plan, dryRun: true },
        summary: `dry run: would delete ${plan.length} entr${plan.length === 1 ? 'y' : 'ies'}`,
      };
    await ctx.confirm({
      question: `Delete ${plan.length} entr${plan.length === 1 ? 'y' : 'ies'} on ${(await ctx.olares()).olaresId}?`,
      targets: plan,
      kind: 'destructive',
    });
    const deleted: string[] = [];
    for (const g of groups.values()) {
      await files.remove(g.parent, g.dirents.sort(), ctx.signal);
      deleted.push(
        ...g.dirents.map((d) => `${g.parent.display}${g.parent.isRoot ? '' : '/'}${d.replace(/^\//, '')}`),
      );
    }
    return {
      data: { deleted, dryRun: false },
      summary: `deleted ${deleted.length} entr${deleted.length === 1 ? 'y' : 'ies'}`,
    };
  },
});

const TASK_POLL_MS = 200;
const TASK_CAP_MS = 10 * 60_000;

async function pasteAll(action: 'copy' | 'move', sources: string[], destination: string, ctx: ToolContext) {
  const files = (await ctx.olares()).files;
  const intoFolder = destination.trim().endsWith('/');
  const dst = RemotePath.parse(destination);
  if (!intoFolder && sources.length > 1)
    throw new InvalidInputError(
      `${action}: destination "${destination}" must end with '/' when more than one source is given`,
    );
  const pairs: Array<{ src: RemotePath; isDir: boolean; target: RemotePath }> = [];
  for (const raw of sources) {
    const src = RemotePath.parse(raw);
    if (src.isRoot)
      throw new InvalidInputError(
        `refusing to use the root of ${src.fileType}/${src.extend} as a ${action} source`,
      );
    if (action === 'move' && src.isProtected)
      throw new InvalidInputError(
        `refusing to move ${src.display}: it is a system-managed folder; copy it with files_cp or move a child instead`,
      );
    const entry = await files.stat(src, ctx.signal);
    if (!entry) throw new RemoteNotFoundError(src.display, `does not exist on the server (${action} source)`);
    const target = intoFolder ? dst.child(src.name) : dst;
    if (entry.isDir && src.contains(target))
      throw new InvalidInputError(
        `${action}: destination ${target.display} is inside source ${src.display} (would create a cycle)`,
      );
    pairs.push({ src, isDir: entry.isDir, target });
  }
  const folder = intoFolder ? dst : dst.parent;
  const folderEntry = await files.stat(folder, ctx.signal);
  if (!folderEntry?.isDir)
    throw new InvalidInputError(
      `${action}: destination directory ${folder.display} does not exist on the server; create it first with files_mkdir`,
    );
  for (const { target } of pairs) {
    if (await files.stat(target, ctx.signal))
      throw new InvalidInputError(
        `${action}: ${target.display} already exists; remove or rename it first (nothing was ${action === 'copy' ? 'copied' : 'moved'})`,
      );
  }
  return { files, pairs };
}

async function runPaste(
  action: 'copy' | 'move',
  pairs: Awaited<ReturnType<typeof pasteAll>>['pairs'],
  files: FilesClient,
  ctx: ToolContext,
) {
  // The pod that takes a paste must be the destination's node (cache/external) or the master.
  const node = await files.nodeFor(pairs[0].target, ctx.signal);
  const results: Array<{ source: string; destination: string; status: string; message?: string }> = [];
  for (const [i, { src, isDir, target }] of pairs.entries()) {
    const taskId = await files.paste(action, src.wire(isDir), target.wire(isDir), node, ctx.signal);
    const started = Date.now();
    let status = await files.task(node, taskId, ctx.signal);
    while (!['completed', 'failed', 'canceled'].includes(status.status)) {
      if (ctx.signal.aborted)
        throw new OlaresMcpError(
          `stopped waiting for the ${action} of ${src.display} (task ${taskId} keeps running on the server)`,
          { code: 'cancelled' },
        );
      if (Date.now() - started > TASK_CAP_MS)
        throw new OlaresMcpError(
          `the ${action} of ${src.display} (task ${taskId}) is still running after 10 minutes; check later with files_ls ${target.parent.display}`,
          { code: 'timeout', retryable: true },
        );
      await new Promise((r) => setTimeout(r, TASK_POLL_MS));
      status = await files.task(node, taskId, ctx.signal);
      await ctx.progress(
        i + (status.progress ?? 0) / 100,
        pairs.length,
        `${action} ${src.display}: ${status.status}`,
      );
    }
    results.push({
      source: src.display,
      destination: target.display,
      status: status.status,
      message: status.message,
    });
  }
  return results;
}

/** The result of a finished copy or move: what completed, and why the rest did not. */
function pasteOutcome(verb: 'copied' | 'moved', results: Awaited<ReturnType<typeof runPaste>>) {
  const failed = results.filter((r) => r.status !== 'completed');
  const why = failed.map((f) => `${f.source} (${f.message ?? f.status})`).join(', ');
  return {
    data: { results, dryRun: false },
    summary: `${verb} ${results.length - failed.length}/${results.length}${failed.length ? `; failed: ${why}` : ''}`,
  };
}

const pasteOutput = {
  results: z.array(
    z.object({
      source: z.string(),
      destination: z.string(),
      status: z.string(),
      message: z.string().optional(),
    }),
  ),
  ...dryRunOutput,
};

export const filesCp = defineTool({
  name: 'files_cp',
  title: 'Copy Olares files',
  description: 'Copy remote files/directories on the box.',
  toolset: 'files',
  input: {
    sources: z.array(z.string()).min(1).max(100),
    destination: z.string().describe('Folder ending with /, or the target of one source'),
  },
  output: pasteOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async handler({ sources, destination }, ctx) {
    const { files, pairs } = await pasteAll('copy', sources, destination, ctx);
    const results = await runPaste('copy', pairs, files, ctx);
    return pasteOutcome('copied', results);
  },
});

export const filesMv = defineTool({
  name: 'files_mv',
  title: 'Move Olares files',
  description: 'Move remote files/directories on the box.',
  toolset: 'files',
  input: {
    sources: z.array(z.string()).min(1).max(100),
    destination: z.string().describe('Folder ending with /, or the target of one source'),
    dryRun: z.boolean().optional(),
  },
  output: pasteOutput,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  async handler({ sources, destination, dryRun }, ctx) {
    const { files, pairs } = await pasteAll('move', sources, destination, ctx);
    const plan = pairs.map(({ src, target }) => `${src.display} → ${target.display}`);
    if (dryRun)
      return {
        data: {
          results: pairs.map((p) => ({
            source: p.src.display,
            destination: p.target.display,
            status: 'planned',
          })),
          dryRun: true,
        },
        summary: `dry run: would move ${plan.join(', ')}`,
      };
    await ctx.confirm({ question: `Move ${pairs.length} item(s)?`, targets: plan, kind: 'destructive' });
    const results = await runPaste('move', pairs, files, ctx);
    return pasteOutcome('moved', results);
  },
});

export const filesRename = defineTool({
  name: 'files_rename',
  title: 'Rename an Olares file',
  description: 'Rename a remote file or directory in place (files_mv moves it).',
  toolset: 'files',
  input: { path: remotePathArg, newName: z.string().describe('New base name (no slashes)') },
  output: { path: z.string(), newPath: z.string() },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async handler({ path, newName }, ctx) {
    const p = RemotePath.parse(path);
    const name = newName.trim();
    if (p.isRoot) throw new InvalidInputError(`refusing to rename the root of ${p.fileType}/${p.extend}`);
    if (p.isProtected)
      throw new InvalidInputError(
        `refusing to rename ${p.display}: it is a system-managed folder reserved by Files`,
      );
    if (!name) throw new InvalidInputError('rename: new name is empty');
    if (/[/\\\0]/.test(name))
      throw new InvalidInputError(
        `rename: new name "${name.slice(0, 100)}" must not contain '/' or '\\' (rename is in-place; use files_mv to move)`,
      );
    if (name === '.' || name === '..')
      throw new InvalidInputError(`rename: new name "${name}" is a path-traversal segment, not a real name`);
    if (name === p.name)
      throw new InvalidInputError(
        `rename: new name "${name}" is the same as the current name; nothing to do`,
      );
    const files = (await ctx.olares()).files;
    const entry = await statOrThrow(files, p, ctx.signal);
    await files.rename(p, entry.isDir, name, ctx.signal);
    const newPath = p.parent.child(name).display;
    return { data: { path: p.display, newPath }, summary: `renamed ${p.display} to ${newPath}` };
  },
});

// ---- shares ----------------------------------------------------------------------------------

const PERMISSIONS = { view: 1, upload: 2, edit: 3, admin: 4 } as const;
const shareSchema = z.object({
  id: z.string(),
  path: z.string(),
  name: z.string(),
  shareType: z.string(),
  permission: z.number(),
  expireTime: z.string().optional(),
});

export const filesShareCreate = defineTool({
  name: 'files_share_create',
  title: 'Share an Olares folder',
  description:
    'Share a remote folder with Olares users (internal) or by public link (drive only; needs expiry; gets a password).',
  toolset: 'files',
  input: {
    path: remotePathArg,
    type: z.enum(['internal', 'public']),
    permission: z
      .enum(['view', 'upload', 'edit', 'admin'])
      .optional()
      .describe('Default: admin (internal), view (public)'),
    expireDays: z.number().int().min(1).max(3650).optional().describe('Required for public links'),
  },
  output: {
    share: shareSchema,
    linkPassword: z.string().optional().describe('Give this to the people you share the public link with'),
    link: z.string().optional().describe('The public link'),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async handler({ path, type, permission, expireDays }, ctx) {
    const p = RemotePath.parse(path);
    if (p.isCloud)
      throw new InvalidInputError(`refusing to share ${p.display}: cloud namespaces do not support sharing`);
    if (type === 'public' && p.fileType !== 'drive')
      throw new InvalidInputError(
        `public links are for drive paths only (got ${p.display}); use type: "internal"`,
      );
    if (type === 'public' && !expireDays)
      throw new InvalidInputError('public links require an expiration; pass expireDays');
    // The server forces ADMIN on internal shares whatever is sent (share_service.go:140): asking
    // for less would hand out more than the caller meant.
    if (type === 'internal' && permission && permission !== 'admin')
      throw new InvalidInputError(
        `internal shares always grant admin on the server; "${permission}" cannot be honoured (nothing was shared). Drop permission, or share a public link with type: "public"`,
      );
    const files = (await ctx.olares()).files;
    const entry = await statOrThrow(files, p, ctx.signal);
    if (!entry.isDir)
      throw new InvalidInputError(`refusing to share ${p.display}: it is a file; shares are for directories`);
    const level = permission ?? (type === 'public' ? 'view' : 'admin');
    const fresh = type === 'public' ? randomBytes(8).toString('base64url') : '';
    // Every share opens data to other people (internal ones as admin), so each is confirmed.
    const confirmation = await ctx.confirm({
      question: `${type === 'public' ? 'Create a public link to' : 'Share with other Olares users'} ${p.isRoot ? `the whole volume ${p.display}` : p.display} with ${level} permission${expireDays ? ` for ${expireDays} day(s)` : ''}?`,
      targets: [p.isRoot ? `${p.display} (volume root: everything in it)` : p.display],
      kind: 'risky',
      details: fresh ? [`Link password: ${fresh}`] : undefined,
      memo: fresh ? { linkPassword: fresh } : undefined,
    });
    // The password the user saw when approving by link (that call chose its own).
    const linkPassword = confirmation.memo?.linkPassword ?? fresh;
    const share = await files.createShare(
      p,
      {
        shareType: type === 'public' ? 'external' : 'internal',
        permission: PERMISSIONS[level],
        password: linkPassword,
        expireInMs: expireDays ? expireDays * 86_400_000 : undefined,
      },
      ctx.signal,
    );
    const link =
      type === 'public'
        ? publicShareUrl(share.id, (await ctx.olares()).session.identity.terminus)
        : undefined;
    return {
      data: { share, linkPassword: linkPassword || undefined, link },
      summary: `shared ${p.display} (${type}, ${level})${link ? '; give link and linkPassword to the people you share it with' : ''}`,
    };
  },
});

export const filesShareList = defineTool({
  name: 'files_share_list',
  title: 'List Olares shares',
  description: 'Shares this identity created or received.',
  toolset: 'files',
  input: {},
  output: { shares: z.array(shareSchema) },
  annotations: READ,
  async handler(_args, ctx) {
    const shares = await (await ctx.olares()).files.listShares(ctx.signal);
    return { data: { shares }, summary: `${shares.length} share(s)` };
  },
});

export const filesShareRemove = defineTool({
  name: 'files_share_remove',
  title: 'Remove Olares shares',
  description: 'Remove shares by id (the shared data stays).',
  toolset: 'files',
  input: { ids: z.array(z.string().min(1)).min(1).max(100), dryRun: z.boolean().optional() },
  output: { removed: z.array(z.string()), ...dryRunOutput },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  async handler({ ids, dryRun }, ctx) {
    const files = (await ctx.olares()).files;
    const known = await files.listShares(ctx.signal);
    const missing = ids.filter((id) => !known.some((s) => s.id === id));
    if (missing.length)
      throw new InvalidInputError(
        `unknown share id(s): ${missing.join(', ')}. Fix: list them with files_share_list`,
      );
    const plan = ids.map((id) => `${id} (${known.find((s) => s.id === id)?.path})`);
    if (dryRun)
      return { data: { removed: ids, dryRun: true }, summary: `dry run: would remove ${plan.join(', ')}` };
    await ctx.confirm({ question: 'Remove these shares?', targets: plan, kind: 'destructive' });
    await files.removeShares(ids, ctx.signal);
    return { data: { removed: ids, dryRun: false }, summary: `removed ${ids.length} share(s)` };
  },
});

export const filesTools: ToolDeclaration<any, any>[] = [
  filesLs,
  filesStat,
  filesCat,
  filesDownload,
  filesUpload,
  filesMkdir,
  filesRm,
  filesCp,
  filesMv,
  filesRename,
  filesShareCreate,
  filesShareList,
  filesShareRemove,
];

/**
 * The server never overwrites (a taken name becomes `name(1).ext`), so replacing a file means
 * uploading beside it under a staged name and swapping afterwards (FilesClient.replaceWith). That
 * holds for every file of a directory upload too. Without `overwrite`, any taken name is refused
 * before anything is sent. Each parent is listed once.
 */
async function stageOverwrites(
  files: FilesClient,
  folder: RemotePath,
  items: UploadItem[],
  overwrite: boolean | undefined,
  ctx: ToolContext,
): Promise<Array<{ original: RemotePath; staged: RemotePath }>> {
  const listings = new Map<string, Map<string, Entry> | undefined>();
  const entryAt = async (p: RemotePath) => {
    const key = p.parent.display;
    if (!listings.has(key)) {
      const listing = await files.list(p.parent, ctx.signal).catch((err) => {
        if (err instanceof RemoteNotFoundError) return undefined;
        throw err;
      });
      listings.set(key, listing && new Map(listing.items.map((i) => [i.name, i])));
    }
    return listings.get(key)?.get(p.name);
  };
  const plans: Array<{ original: RemotePath; staged: RemotePath }> = [];
  const taken: string[] = [];
  for (const item of items) {
    const original = item.relativePath.split('/').reduce((p, seg) => p.child(seg), folder);
    const existing = await entryAt(original);
    if (!existing) continue;
    if (existing.isDir)
      throw new InvalidInputError(`remote ${original.display} is a directory; overwrite replaces files only`);
    taken.push(original.display);
    if (!overwrite) continue;
    const staged = original.parent.child(stagedName(original.name, `${original.display}\0${item.size}`));
    // A staged copy left whole by an earlier attempt would make this upload land as `staged(1)`.
    if (await entryAt(staged)) await files.remove(original.parent, [`/${staged.name}`], ctx.signal);
    item.relativePath = `${item.relativePath.slice(0, -original.name.length)}${staged.name}`;
    plans.push({ original, staged });
  }
  if (taken.length && !overwrite)
    throw new InvalidInputError(
      taken.length === 1
        ? `remote ${taken[0]} already exists. Fix: pass overwrite: true to replace it, or choose another remotePath`
        : `remote ${taken.slice(0, 5).join(', ')}${taken.length > 5 ? ` and ${taken.length - 5} more` : ''} already exist. Fix: pass overwrite: true to replace them, or choose another remotePath`,
    );
  return plans;
}
