// The tools that change the tree: files_mkdir, files_rm, files_cp, files_mv (paste tasks on the
// destination's node), files_rename.
import { z } from 'zod';
import { InvalidInputError, OlaresMcpError } from '../../errors.js';
import { type FilesClient, RemoteNotFoundError, RemotePath } from '../../olares/files/index.js';
import { DESTRUCTIVE, MUTATE, MUTATE_IDEMPOTENT } from '../annotations.js';
import type { ToolContext } from '../context.js';
import { defineTool, dryRunOutput } from '../defineTool.js';
import { remotePathArg, statOrThrow, waitForTask } from './shared.js';

export const filesMkdir = defineTool({
  name: 'files_mkdir',
  title: 'Make folder',
  description: 'Create a remote folder.',
  toolset: 'files',
  input: {
    path: remotePathArg,
    parents: z.boolean().optional().describe('Like mkdir -p'),
  },
  output: { path: z.string(), created: z.array(z.string()) },
  annotations: MUTATE_IDEMPOTENT,
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
  title: 'Delete files',
  description: 'Delete remote files or folders (folders need recursive).',
  toolset: 'files',
  input: {
    paths: z.array(z.string()).min(1).max(200),
    recursive: z.boolean().optional().describe('Needed for folders'),
    dryRun: z.boolean().optional(),
  },
  output: { deleted: z.array(z.string()), ...dryRunOutput },
  annotations: DESTRUCTIVE,
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
    const status = await waitForTask(
      files,
      node,
      taskId,
      ctx,
      {
        cancelled: () =>
          new OlaresMcpError(
            `stopped waiting for the ${action} of ${src.display} (task ${taskId} keeps running on the server)`,
            { code: 'cancelled' },
          ),
        timedOut: () =>
          new OlaresMcpError(
            `the ${action} of ${src.display} (task ${taskId}) is still running after 10 minutes; check later with files_ls ${target.parent.display}`,
            { code: 'timeout', retryable: true },
          ),
      },
      // The first answer comes at once; progress reports how the task moves after it.
      (status, poll) =>
        poll > 1
          ? ctx.progress(
              i + (status.progress ?? 0) / 100,
              pairs.length,
              `${action} ${src.display}: ${status.status}`,
            )
          : undefined,
    );
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
  title: 'Copy files',
  description: 'Copy remote files or folders.',
  toolset: 'files',
  input: {
    sources: z.array(z.string()).min(1).max(100),
    destination: z.string().describe('Folder ending /, or the target of one source'),
  },
  output: pasteOutput,
  annotations: MUTATE,
  async handler({ sources, destination }, ctx) {
    const { files, pairs } = await pasteAll('copy', sources, destination, ctx);
    const results = await runPaste('copy', pairs, files, ctx);
    return pasteOutcome('copied', results);
  },
});

export const filesMv = defineTool({
  name: 'files_mv',
  title: 'Move files',
  description: 'Move remote files or folders.',
  toolset: 'files',
  input: {
    sources: z.array(z.string()).min(1).max(100),
    destination: z.string().describe('Folder ending with /, or the target of one source'),
    dryRun: z.boolean().optional(),
  },
  output: pasteOutput,
  annotations: DESTRUCTIVE,
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
  title: 'Rename',
  description: 'Rename a remote file or folder in place.',
  toolset: 'files',
  input: { path: remotePathArg, newName: z.string().describe('New base name (no slashes)') },
  output: { path: z.string(), newPath: z.string() },
  annotations: MUTATE,
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
