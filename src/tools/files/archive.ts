// files_archive: compress remote files into one archive, or extract one, on the box itself
// (Olares 1.12.6+, as `olares-cli files compress|extract`). The box runs it as a task on one
// node's files pod; the call waits for it and reports its progress. Local storages only (drive,
// cache, external): the server refuses sync and cloud paths, so do we, before anything is sent.
import { z } from 'zod';
import { InvalidInputError, OlaresMcpError } from '../../errors.js';
import {
  ARCHIVE_SUFFIXES,
  type Conflict,
  type Entry,
  type FilesClient,
  formatOfName,
  RemotePath,
  SINGLE_FILE_FORMATS,
} from '../../olares/files/index.js';
import { versionAtLeast } from '../../olares/market.js';
import { MUTATE } from '../annotations.js';
import type { ToolContext } from '../context.js';
import { defineTool, dryRunOutput } from '../defineTool.js';
import { statOrThrow, waitForTask } from './shared.js';

const LOCAL = new Set(['drive', 'cache', 'external']);

function localPath(raw: string): RemotePath {
  const p = RemotePath.parse(raw);
  if (!LOCAL.has(p.fileType))
    throw new InvalidInputError(
      `${p.display}: archives work on the box's own storage only (drive, cache, external); copy Sync or cloud files to drive/ first (files_cp)`,
    );
  return p;
}

/** Refused below 1.12.6, whose files service has no archive routes (olares-cli common_gate.go). */
async function requireArchiveRoutes(ctx: ToolContext) {
  const v = await (await ctx.olares()).boxVersion('compress or extract on the box', ctx.signal);
  if (!versionAtLeast(v, '1.12.6'))
    throw new InvalidInputError(
      `files_archive needs Olares 1.12.6 or later (the archive routes came with it); this box runs ${v}. Nothing was sent. Fix: upgrade the box, or files_download the files and archive them locally`,
    );
}

interface Plan {
  action: 'compress' | 'extract';
  sources: RemotePath[];
  destination: RemotePath;
  format: string;
}

async function planOf(
  action: Plan['action'],
  sources: string[],
  destination: string,
  files: FilesClient,
  signal: AbortSignal,
): Promise<Plan> {
  const srcs = sources.map(localPath);
  const dst = localPath(destination);
  if (action === 'extract' && srcs.length !== 1)
    throw new InvalidInputError(`extract takes exactly one archive in sources (got ${srcs.length})`);
  const named = action === 'compress' ? dst.name : srcs[0].name;
  // As olares-cli without --format: the suffix names the format (a renamed archive: files_rename).
  const fmt = formatOfName(named);
  if (!fmt)
    throw new InvalidInputError(
      `cannot tell the archive format from "${named.slice(0, 80)}": the name must end in one of ${ARCHIVE_SUFFIXES.join(' ')}`,
    );
  const entries: Entry[] = [];
  for (const s of srcs) {
    if (s.isRoot)
      throw new InvalidInputError(`${s.display} is a volume root; name a file or folder inside it`);
    entries.push(await statOrThrow(files, s, signal));
  }
  if (action === 'extract' && entries[0].isDir)
    throw new InvalidInputError(`${srcs[0].display} is a folder, not an archive`);
  if (action === 'compress' && SINGLE_FILE_FORMATS.has(fmt) && (srcs.length > 1 || entries[0].isDir))
    throw new InvalidInputError(
      `${fmt} compresses one file; for folders or several files use zip, 7z, tar or tar.gz`,
    );
  return { action, sources: srcs, destination: dst, format: fmt };
}

async function runTask(plan: Plan, conflict: Conflict, files: FilesClient, ctx: ToolContext) {
  // olares-cli resolveArchiveNode: a cache/external path names its node (the destination's first).
  const hinted = [plan.destination, ...plan.sources].find(
    (p) => p.fileType === 'cache' || p.fileType === 'external',
  );
  const node = await files.nodeFor(hinted ?? plan.destination, ctx.signal);
  const req = {
    destination: plan.destination.wire(plan.action === 'extract'),
    format: plan.format,
    conflict,
  };
  const taskId =
    plan.action === 'compress'
      ? await files.compress(node, { ...req, sources: plan.sources.map((s) => s.wire(false)) }, ctx.signal)
      : await files.extract(node, { ...req, source: plan.sources[0].wire(false) }, ctx.signal);
  const what = `${plan.action} into ${plan.destination.display}`;
  const status = await waitForTask(
    files,
    node,
    taskId,
    ctx,
    {
      cancelled: () =>
        new OlaresMcpError(`stopped waiting for the ${what} (task ${taskId} keeps running on the box)`, {
          code: 'cancelled',
        }),
      timedOut: () =>
        new OlaresMcpError(
          `the ${what} (task ${taskId}) still runs after 10 minutes; look later with files_ls`,
          {
            code: 'timeout',
            retryable: true,
          },
        ),
    },
    (s, poll) => (poll > 1 ? ctx.progress(s.progress ?? 0, 100, `${what}: ${s.status}`) : undefined),
  );
  return { taskId, status: status.status, message: status.message };
}

export const filesArchive = defineTool({
  name: 'files_archive',
  title: 'Archive',
  description: 'Compress remote files into an archive, or extract one, on the box (1.12.6+).',
  toolset: 'files',
  input: {
    action: z.enum(['compress', 'extract']).describe('What to do'),
    sources: z.array(z.string()).min(1).max(100).describe('Entries, or one archive'),
    destination: z.string().describe('Archive (.zip, .tgz...) or folder'),
    dryRun: z.boolean().optional(),
  },
  output: {
    action: z.string(),
    sources: z.array(z.string()),
    destination: z.string(),
    format: z.string(),
    taskId: z.string().optional(),
    status: z.string().optional().describe('completed, failed or canceled'),
    message: z.string().optional(),
    ...dryRunOutput,
  },
  annotations: MUTATE,
  async handler({ action, sources, destination, dryRun }, ctx) {
    await requireArchiveRoutes(ctx);
    const files = (await ctx.olares()).files;
    const plan = await planOf(action, sources, destination, files, ctx.signal);
    const shown = {
      action,
      sources: plan.sources.map((s) => s.display),
      destination: plan.destination.display,
      format: plan.format,
    };
    const what = `${action} ${shown.sources.join(', ')} -> ${shown.destination} (${plan.format})`;
    if (dryRun) return { data: { ...shown, dryRun: true }, summary: `dry run: would ${what}` };
    await ctx.confirm({ question: `${action} on the box?`, targets: [what], kind: 'destructive' });
    // A name in the way gets a numbered one, never replaced: to replace, files_rm it first.
    const done = await runTask(plan, 'rename', files, ctx);
    const failed = done.status !== 'completed';
    return {
      data: { ...shown, ...done, dryRun: false },
      summary: `${failed ? `FAILED (${done.message ?? done.status}): ` : ''}${what}`,
    };
  },
});
