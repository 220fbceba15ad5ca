// Shares: files_share_create (each one confirmed: it opens data to other people),
// files_share_list, files_share_remove.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { InvalidInputError } from '../../errors.js';
import { RemotePath } from '../../olares/files/index.js';
import { publicShareUrl } from '../../olares/links.js';
import { DESTRUCTIVE_IDEMPOTENT, MUTATE, READ } from '../annotations.js';
import { defineTool, dryRunOutput } from '../defineTool.js';
import { remotePathArg, statOrThrow } from './shared.js';

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
  title: 'Share folder',
  description:
    'Share a folder with Olares users (internal) or by public link (drive; needs expiry; gets a password).',
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
  annotations: MUTATE,
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
  title: 'List shares',
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
  title: 'Remove shares',
  description: 'Remove shares by id (the shared data stays).',
  toolset: 'files',
  input: { ids: z.array(z.string().min(1)).min(1).max(100), dryRun: z.boolean().optional() },
  output: { removed: z.array(z.string()), ...dryRunOutput },
  annotations: DESTRUCTIVE_IDEMPOTENT,
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
