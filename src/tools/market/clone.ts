// market_install {cloneTitle}: another instance of a multi-instance market app under its own title,
// as `olares-cli market clone` does (cli/cmd/ctl/market/clone.go). Each clone is a new app on
// the box, so the user confirms it; the box mints the instance's name, and `wait` follows that.
import { InvalidInputError } from '../../errors.js';
import type { AppDetail, MarketClient } from '../../olares/market.js';
import type { ToolContext } from '../context.js';
import { accepted, type OperationResult, send, summarize } from './shared.js';
import { waitFor } from './watch.js';

export interface CloneArgs {
  app: string;
  title: string;
  source: string;
  envs?: Record<string, string>;
  computeMode?: string;
  wait?: boolean;
}

/** olares-cli buildCloneEntrances: the one visible entrance takes the title; several need one each. */
function cloneEntrances(detail: AppDetail, title: string) {
  if (detail.entrances.length > 1)
    throw new InvalidInputError(
      `'${detail.name}' has ${detail.entrances.length} visible entrances (${detail.entrances.map((e) => e.name).join(', ')}), and each needs its own title; this tool sets only one. Nothing was cloned. Fix: olares-cli market clone ${detail.name} --title "${title}" --entrance-title NAME=TITLE ..., or the Market UI`,
    );
  return detail.entrances.map((e) => ({ name: e.name, title }));
}

function checkTitle(title: string) {
  const t = title.trim();
  if (!t || t.length > 30 || /[\u0000-\u001f]/.test(t))
    throw new InvalidInputError(
      `title "${title.slice(0, 40)}" must be 1 to 30 printable characters (the new instance's desktop title)`,
    );
  return t;
}

export async function cloneApp(args: CloneArgs, m: MarketClient, user: string, ctx: ToolContext) {
  const title = checkTitle(args.title);
  const detail = await m.detail(args.app, args.source, ctx.signal);
  if (!detail.cloneable)
    throw new InvalidInputError(
      `'${args.app}' from source '${args.source}' does not support clone (its manifest allows one instance). Nothing was sent`,
    );
  const entrances = cloneEntrances(detail, title);
  await ctx.confirm({
    question: `Install another instance of '${args.app}' titled "${title}"?`,
    targets: [`${args.app} (${args.source}) on ${user}`],
    kind: 'destructive',
  });
  const sent = await send('install', args.app, m, ctx.signal, () =>
    m.clone(
      args.app,
      { source: args.source, title, envs: args.envs, entrances, computeMode: args.computeMode },
      ctx.signal,
    ),
  );
  const instance = sent.instance && sent.instance !== args.app ? sent.instance : undefined;
  const base: OperationResult = {
    app: instance ?? args.app,
    operation: 'clone',
    status: 'accepted',
    message: accepted(
      `clone of '${args.app}' requested with title "${title}"${instance ? `; the new instance is '${instance}'` : ''}`,
      sent,
    ),
    user,
    source: args.source,
    version: detail.version,
  };
  // The box names the instance; without a name there is no row to follow.
  const result = args.wait && instance ? await waitFor('install', instance, m, ctx, base) : base;
  return { data: result, summary: summarize(result) };
}
