// The read tools: files_ls, files_stat, files_cat (text only, one end of the file at a time).
import { z } from 'zod';
import { InvalidInputError } from '../../errors.js';
import { type FilesClient, RemotePath } from '../../olares/files/index.js';
import { READ } from '../annotations.js';
import type { ToolContext } from '../context.js';
import { defineTool } from '../defineTool.js';
import { entrySchema, humanBytes, remotePathArg, statOrThrow } from './shared.js';

const repoSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['mine', 'shared-with-me', 'shared-by-me']),
  permission: z.string().optional().describe('rw or r'),
  owner: z.string().optional(),
  encrypted: z.boolean(),
  size: z.number().optional(),
  modified: z.string().optional(),
});

/** `files_ls sync`: the libraries, as folders named by the id every sync/ path starts with. */
async function listSyncRepos(limit: number, page: number, ctx: ToolContext) {
  const all = await (await ctx.olares()).files.syncRepos(ctx.signal);
  const repos = all.slice((page - 1) * limit, page * limit);
  const nextPage = page * limit < all.length ? page + 1 : undefined;
  return {
    data: {
      path: 'sync/',
      numDirs: all.length,
      numFiles: 0,
      total: all.length,
      page,
      nextPage,
      items: repos.map((r) => ({ name: r.id, isDir: true, size: r.size ?? 0, modified: r.modified })),
      repos,
    },
    // Library names are text from the box: they stay in the JSON, never in the summary line.
    summary: `sync/: ${all.length} Sync librar${all.length === 1 ? 'y' : 'ies'}; read one with files_ls sync/<id>/`,
  };
}

export const filesLs = defineTool({
  name: 'files_ls',
  title: 'List files',
  description: 'List a remote folder; "sync" lists the Sync libraries.',
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
    repos: z.array(repoSchema).optional().describe('path "sync": each library; its files are at sync/<id>/'),
  },
  annotations: READ,
  async handler({ path, limit = 200, page = 1 }, ctx) {
    if (/^\s*sync\/*\s*$/.test(path)) return listSyncRepos(limit, page, ctx);
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
  title: 'Stat',
  description: 'Whether a remote path exists, its kind and size.',
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
  title: 'Read text',
  description: 'Read a remote text file, or its first or last lines (binary: files_download).',
  toolset: 'files',
  input: {
    path: remotePathArg,
    head: z.number().int().min(1).max(100_000).optional().describe('First N lines'),
    tail: z.number().int().min(1).max(100_000).optional().describe('Last N lines'),
    maxBytes: z.number().int().min(1).max(CAT_MAX).optional().describe('Default 65536'),
  },
  output: {
    path: z.string(),
    size: z.number(),
    bytes: z.number(),
    truncated: z.boolean().describe('Only part of the file is shown'),
    lines: z.number().describe('Lines shown'),
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
      },
      summary: `${shown || 'the whole file'}${more}`,
      // The text travels once, fenced in the text block; the structured result only describes it.
      raw: { label: `file ${p.display}`, text },
    };
  },
});
