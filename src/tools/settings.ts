// The settings toolset (off by default): who am I on this box and which release it runs, its
// users, a market app's entrances and custom domains, backup plans and snapshots, and one change:
// a snapshot now. Nothing here sets a password or returns a secret (a domain's certificate key,
// backup passwords): olares/settings.ts drops them from what the box sends.
import { z } from 'zod';
import { checkSegment } from '../olares/settings.js';
import { MUTATE, READ } from './annotations.js';
import type { ToolContext } from './context.js';
import { defineTool, dryRunOutput, type ToolDeclaration } from './defineTool.js';
import { nextPageOf } from './paging.js';

const settingsOf = async (ctx: ToolContext) => (await ctx.olares()).settings;
const failure = (err: unknown) => (err instanceof Error ? err.message : String(err));
const limitArg = z.number().int().min(1).max(200).optional().describe('Rows per page (default 50)');
const planArg = z.string().min(1).max(100);

export const settingsMe = defineTool({
  name: 'settings_me',
  title: 'Who am I on the box',
  description: 'My name and role on the box, its Olares version, and whether a newer release exists.',
  toolset: 'settings',
  input: {},
  output: {
    name: z.string(),
    role: z.string().describe('owner, admin or normal'),
    osVersion: z.string().optional(),
    update: z.object({
      current: z.string().optional(),
      latest: z.string().optional(),
      available: z.boolean().optional(),
      error: z.string().optional().describe('The update check failed; the rest stands'),
    }),
  },
  annotations: READ,
  async handler(_args, ctx) {
    const s = await settingsOf(ctx);
    const [me, version] = await Promise.all([s.whoami(ctx.signal), s.version(ctx.signal)]);
    // The update check goes out to Olares Space through the box: its failure is not mine.
    const update = await s.checkUpdate(ctx.signal).catch((err) => ({ error: failure(err) }));
    const news =
      'available' in update ? (update.available ? `; ${update.latest} is available` : '; up to date') : '';
    return {
      data: { ...me, osVersion: version.osVersion, update },
      summary: `${me.name} (${me.role}) on Olares ${version.osVersion ?? 'unknown'}${news}`,
    };
  },
});

export const settingsUsers = defineTool({
  name: 'settings_users',
  title: 'Users of the box',
  description: 'Users of the box with roles and limits (a normal user sees only themself).',
  toolset: 'settings',
  input: {},
  output: {
    users: z.array(
      z.object({
        name: z.string(),
        displayName: z.string().optional(),
        roles: z.array(z.string()),
        state: z.string().optional(),
        createdAt: z.number().optional().describe('Unix seconds'),
        cpuLimit: z.string().optional(),
        memoryLimit: z.string().optional(),
      }),
    ),
  },
  annotations: READ,
  async handler(_args, ctx) {
    const users = await (await settingsOf(ctx)).users(ctx.signal);
    return { data: { users }, summary: `${users.length} user(s): ${users.map((u) => u.name).join(', ')}` };
  },
});

const domainShape = z.object({
  thirdLevelDomain: z.string().optional(),
  thirdPartyDomain: z.string().optional(),
  cnameStatus: z.string().optional(),
  cnameTarget: z.string().optional().describe('Where a custom domain must CNAME to'),
  cnameTargetStatus: z.string().optional(),
  certConfigured: z.boolean().describe('A certificate is set; it and its key are never returned'),
  error: z.string().optional(),
});

export const settingsEntrances = defineTool({
  name: 'settings_entrances',
  title: 'Entrances of a market app',
  description: "A market app's entrances (URL, auth level, state), with domains: their custom domain setup.",
  toolset: 'settings',
  input: {
    app: z.string().min(1).max(100),
    domains: z.boolean().optional().describe('Add each domain setup'),
  },
  output: {
    app: z.string(),
    entrances: z.array(
      z.object({
        name: z.string(),
        title: z.string().optional(),
        state: z.string().optional(),
        authLevel: z.string().optional(),
        invisible: z.boolean(),
        url: z.string().optional(),
        domain: domainShape.optional(),
      }),
    ),
  },
  annotations: READ,
  async handler({ app, domains }, ctx) {
    const s = await settingsOf(ctx);
    const rows = await s.entrances(app, ctx.signal);
    const entrances = await Promise.all(
      rows.map(async (e) => {
        if (!domains) return e;
        const domain = await s
          .domain(app, e.name, ctx.signal)
          .catch((err) => ({ certConfigured: false, error: failure(err) }));
        return { ...e, domain };
      }),
    );
    return {
      data: { app, entrances },
      summary: `${entrances.length} entrance(s) of ${app}`,
    };
  },
});

export const settingsBackups = defineTool({
  name: 'settings_backups',
  title: 'Backup plans and snapshots',
  description: "Backup plans; with plan: that plan's snapshots, newest first.",
  toolset: 'settings',
  input: {
    plan: planArg.optional().describe('Plan id (from the plan list)'),
    limit: limitArg,
    page: z.number().int().min(1).max(10_000).optional(),
  },
  output: {
    plans: z
      .array(
        z.object({
          id: z.string(),
          name: z.string(),
          backupType: z.string().optional(),
          location: z.string().optional(),
          status: z.string().optional(),
          progress: z.number().optional(),
          size: z.string().optional(),
          nextBackupAt: z.number().optional().describe('Unix seconds'),
          createdAt: z.number().optional(),
        }),
      )
      .optional(),
    snapshots: z
      .array(
        z.object({
          id: z.string(),
          status: z.string().optional(),
          progress: z.number().optional(),
          size: z.number().optional().describe('Bytes'),
          createdAt: z.number().optional().describe('Unix seconds'),
        }),
      )
      .optional(),
    total: z.number(),
    nextPage: z.number().optional(),
  },
  annotations: READ,
  async handler({ plan, limit = 50, page = 1 }, ctx) {
    const s = await settingsOf(ctx);
    const offset = (page - 1) * limit;
    if (plan === undefined) {
      const { plans, total } = await s.backupPlans(offset, limit, ctx.signal);
      return {
        data: { plans, total, nextPage: nextPageOf(total, limit, page) },
        // Plan names are the user's free text from the box: they stay in the JSON.
        summary: `${total} backup plan(s)`,
      };
    }
    const { snapshots, total } = await s.snapshots(
      checkSegment('backup plan id', plan),
      offset,
      limit,
      ctx.signal,
    );
    return {
      data: { snapshots, total, nextPage: nextPageOf(total, limit, page) },
      summary: `${total} snapshot(s) of ${plan}`,
    };
  },
});

export const settingsBackupRun = defineTool({
  name: 'settings_backup_run',
  title: 'Back up now',
  description: 'Take a snapshot of a backup plan now, outside its schedule; see it with settings_backups.',
  toolset: 'settings',
  input: { plan: planArg.describe('Plan id'), dryRun: z.boolean().optional() },
  output: { plan: z.string(), ...dryRunOutput },
  annotations: MUTATE,
  async handler({ plan, dryRun }, ctx) {
    checkSegment('backup plan id', plan);
    if (dryRun)
      return { data: { plan, dryRun: true }, summary: `dry run: would snapshot backup plan ${plan}` };
    await ctx.confirm({
      question: 'Take a backup snapshot now?',
      targets: [`backup plan ${plan}`],
      kind: 'destructive',
    });
    await (await settingsOf(ctx)).runSnapshot(plan, ctx.signal);
    return {
      data: { plan, dryRun: false },
      summary: `snapshot of ${plan} started; follow it with settings_backups {plan}`,
    };
  },
});

export const settingsTools: ToolDeclaration<any, any>[] = [
  settingsMe,
  settingsUsers,
  settingsEntrances,
  settingsBackups,
  settingsBackupRun,
];
