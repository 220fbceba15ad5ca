// Market lifecycle operations: upgrade, stop, resume, restart, cancel and uninstall. Each sends
// exactly one request for the operation; `wait: true` then watches it (watch.ts).
import { z } from 'zod';
import { InvalidInputError } from '../../errors.js';
import { type AppRow, IN_FLIGHT, type MarketClient, NOT_INSTALLED, type Sent } from '../../olares/market.js';
import { DESTRUCTIVE, DESTRUCTIVE_IDEMPOTENT, MUTATE, MUTATE_IDEMPOTENT } from '../annotations.js';
import type { ToolContext } from '../context.js';
import { defineTool } from '../defineTool.js';
import { requestUpgrade } from './install.js';
import {
  ALLOWED,
  accepted,
  appArg,
  cascadeArg,
  computeBindingArg,
  installedRow,
  market,
  type OperationResult,
  parseBindings,
  resultShape,
  send,
  summarize,
  waitArg,
} from './shared.js';
import { waitFor } from './watch.js';

type LifecycleOp = 'stop' | 'resume' | 'restart' | 'upgrade' | 'cancel';
interface LifecycleArgs {
  app: string;
  wait?: boolean;
  version?: string;
  dryRun?: boolean;
  cascade?: boolean;
  computeBinding?: string[];
}

/** Stopping and resuming again changes nothing more; the destructive ones interrupt the app. */
function lifecycleAnnotations(op: LifecycleOp, destructive: boolean) {
  const idempotent = op === 'stop' || op === 'resume';
  if (destructive) return idempotent ? DESTRUCTIVE_IDEMPOTENT : DESTRUCTIVE;
  return idempotent ? MUTATE_IDEMPOTENT : MUTATE;
}

export function lifecycleTool(op: LifecycleOp, title: string, description: string, destructive: boolean) {
  const input = {
    app: appArg,
    wait: waitArg,
    ...(op === 'upgrade' ? { version: z.string().optional().describe('Default: latest') } : {}),
    ...(op === 'stop' ? { cascade: cascadeArg } : {}),
    ...(op === 'resume' || op === 'restart' ? { computeBinding: computeBindingArg } : {}),
    ...(destructive ? { dryRun: z.boolean().optional() } : {}),
  };
  return defineTool({
    name: `market_${op}`,
    title,
    description,
    toolset: 'market',
    input,
    output: { ...resultShape, ...(destructive ? { dryRun: z.boolean().optional() } : {}) },
    annotations: lifecycleAnnotations(op, destructive),
    async handler(args: LifecycleArgs, ctx) {
      parseBindings(args.computeBinding);
      const { m, user } = await market(ctx, args.app);
      const row = await installedRow(m, args.app, op, ctx.signal);
      const base: OperationResult = {
        app: args.app,
        operation: op,
        status: 'accepted',
        message: `${op} requested`,
        user,
        source: row.source,
        version: row.version,
        state: row.state,
      };
      if (destructive) {
        const what = `${op} of '${args.app}' (state ${row.state}${IN_FLIGHT.has(row.state) && ['pending', 'downloading', 'installing'].includes(row.state) ? ': the partial install is torn down' : ''})`;
        if (args.dryRun)
          return {
            data: { ...base, message: `dry run: would ${what}`, dryRun: true },
            summary: `dry run: would ${what}`,
          };
        await ctx.confirm({
          question: `Confirm ${what}?`,
          targets: [`${args.app} on ${user}`],
          kind: 'destructive',
        });
      }
      const baseline = row.statusTime;
      const sent = await sendLifecycle(op, args, row, m, base, ctx);
      base.message = accepted(base.message, sent);
      const result = args.wait ? await waitFor(op, args.app, m, ctx, base, baseline) : base;
      if (args.wait && base.cascade !== undefined) result.message += ` [${base.message}]`;
      return { data: destructive ? { ...result, dryRun: false } : result, summary: summarize(result) };
    },
  });
}

/** Sends the operation's one request; base takes the version or cascade it went out with. */
async function sendLifecycle(
  op: LifecycleOp,
  args: LifecycleArgs,
  row: AppRow,
  m: MarketClient,
  base: OperationResult,
  ctx: ToolContext,
): Promise<Sent> {
  if (op === 'upgrade') return requestUpgrade(args.app, args.version, row, m, base, ctx.signal);
  if (op === 'cancel') return send(op, args.app, m, ctx.signal, () => m.cancel(row, ctx.signal));
  const cascade = op === 'stop' ? await m.cascade(row, args.cascade, ctx.signal) : undefined;
  const computeBinding = parseBindings(args.computeBinding);
  const sent = await send(op, args.app, m, ctx.signal, () =>
    m.lifecycle(op, row, { all: cascade?.all, computeBinding }, ctx.signal),
  );
  if (cascade) {
    base.cascade = cascade.all;
    base.message = `stop requested (${cascade.all ? 'with' : 'without'} its shared charts: ${cascade.why})`;
  }
  return sent;
}

export const marketUninstall = defineTool({
  name: 'market_uninstall',
  title: 'Uninstall',
  description: 'Uninstall a market app; deleteData removes its data too.',
  toolset: 'market',
  input: {
    app: appArg,
    deleteData: z.boolean().optional(),
    cascade: cascadeArg,
    wait: waitArg,
    dryRun: z.boolean().optional(),
  },
  output: { ...resultShape, dryRun: z.boolean().optional() },
  annotations: DESTRUCTIVE_IDEMPOTENT,
  async handler({ app, deleteData, cascade: requested, wait, dryRun }, ctx) {
    const { m, user } = await market(ctx, app);
    const row = await m.row(app, ctx.signal);
    const base: OperationResult = {
      app,
      operation: 'uninstall',
      status: 'accepted',
      message: 'uninstall requested',
      user,
      source: row?.source,
      version: row?.version,
      state: row?.state,
    };
    if (!row || (NOT_INSTALLED.has(row.state) && row.state !== 'installFailed')) {
      return {
        data: {
          ...base,
          message: `'${app}' is not installed${row ? ` (state ${row.state})` : ''}; nothing to uninstall`,
          dryRun: false,
        },
        summary: `'${app}' is not installed; nothing to uninstall`,
      };
    }
    if (IN_FLIGHT.has(row.state)) {
      throw new InvalidInputError(
        `'${app}' is ${row.state} (op ${row.opType ?? '?'}); cancel it with market_cancel first, then uninstall if it remains`,
      );
    }
    if (!ALLOWED[row.state]?.includes('uninstall'))
      throw new InvalidInputError(
        `cannot uninstall '${app}' in state '${row.state}'; wait until it settles (market_status)`,
      );
    const cascade = await m.cascade(row, requested, ctx.signal);
    base.cascade = cascade.all;
    const shared = cascade.all ? ` with its shared server charts (${cascade.why})` : '';
    const what = `uninstall '${app}'${deleteData ? ' and delete its data' : ''}${shared}`;
    if (dryRun)
      return {
        data: { ...base, message: `dry run: would ${what}`, dryRun: true },
        summary: `dry run: would ${what}`,
      };
    await ctx.confirm({
      question: `Uninstall ${app}${deleteData ? ' and DELETE its data' : ''}${shared} on ${user}?`,
      targets: [`${app} ${row.version ?? ''} (${row.state})`],
      kind: 'destructive',
    });
    const sent = await send('uninstall', app, m, ctx.signal, () =>
      m.uninstall(row, { deleteData, all: cascade.all }, ctx.signal),
    );
    base.message = accepted(`${what} requested`, sent);
    const result = wait ? await waitFor('uninstall', app, m, ctx, base) : base;
    if (wait && cascade.all) result.message += ` [${cascade.why}]`;
    return { data: { ...result, dryRun: false }, summary: summarize(result) };
  },
});
