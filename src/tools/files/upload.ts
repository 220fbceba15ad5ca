// files_upload: a local file or folder, chunked and resumable; a taken name is refused, or with
// overwrite uploaded beside and swapped in (the box never overwrites).
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
import { MUTATE } from '../annotations.js';
import type { ToolContext } from '../context.js';
import { defineTool } from '../defineTool.js';
import { refuseHardlink, resolveLocalSource } from '../localPaths.js';
import { humanBytes, waitForTask, withRetries } from './shared.js';
import { uploadItems } from './transfers.js';

function chunkBytes(env: NodeJS.ProcessEnv): number {
  const n = Number(env.OLARES_UPLOAD_CHUNK_BYTES);
  return Number.isInteger(n) && n >= 1024 && n <= DEFAULT_CHUNK_BYTES ? n : DEFAULT_CHUNK_BYTES;
}

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
  title: 'Upload',
  description: 'Upload a local file or folder; resumable.',
  toolset: 'files',
  input: {
    localPath: z.string().describe('Local file or folder'),
    remotePath: z.string().describe('Target file, or existing folder ending /'),
    overwrite: z.boolean().optional().describe('Replace an existing file'),
  },
  output: { remotePath: z.string(), files: z.number(), bytes: z.number(), resumedFrom: z.number() },
  annotations: MUTATE,
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
 * chunk (docs/wire/files.md#upload-tasks; posix.go UploadFinalize).
 */
async function waitCloudTask(
  files: FilesClient,
  node: string,
  taskId: string,
  what: string,
  ctx: ToolContext,
) {
  const t = await waitForTask(files, node, taskId, ctx, {
    cancelled: () =>
      new OlaresMcpError(`stopped waiting for server-side finishing task ${taskId}`, {
        code: 'cancelled',
      }),
    timedOut: () =>
      new OlaresMcpError(
        `server-side finishing task ${taskId} for ${what} is still running after 10 minutes; check the folder later with files_ls`,
        { code: 'timeout' },
      ),
  });
  if (t.status === 'failed')
    throw new OlaresMcpError(
      `server-side finishing task ${taskId} for ${what} failed: ${t.message ?? 'server reported failure with no reason'}`,
      { code: 'olares_error' },
    );
  if (t.status === 'canceled')
    throw new OlaresMcpError(`server-side finishing task ${taskId} for ${what} was cancelled server-side`, {
      code: 'olares_error',
    });
}

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
