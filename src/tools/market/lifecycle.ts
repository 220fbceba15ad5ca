// market tools (design.md sec. 4, olares-api/market.md). Mutating verbs send exactly one request
// for the operation; `wait: true` polls the state like `olares-cli market ... --watch`.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { InvalidInputError } from '../../errors.js';
import { log } from '../../log.js';
import {
  type AppRow,
  checkAppName,
  DEFAULT_SOURCE,
  IN_FLIGHT,
  type MarketClient,
  MarketError,
  NOT_INSTALLED,
  type Sent,
} from '../../olares/market.js';
import type { ToolContext } from '../context.js';
import { defineTool, type ToolDeclaration } from '../defineTool.js';

type Op = 'install' | 'uninstall' | 'upgrade' | 'stop' | 'resume' | 'restart' | 'cancel';

const FAILED = [
  'downloadFailed',
  'installFailed',
  'upgradeFailed',
  'stopFailed',
  'resumeFailed',
  'applyEnvFailed',
  'uninstallFailed',
  'failed',
];
const CANCELED = [
  'pendingCanceled',
  'downloadingCanceled',
  'installingCanceled',
  'initializingCanceled',
  'upgradingCanceled',
  'applyingEnvCanceled',
  'resumingCanceled',
];
const CANCEL_FAILED = [
  'pendingCancelFailed',
  'downloadingCancelFailed',
  'installingCancelFailed',
  'upgradingCancelFailed',
  'applyingEnvCancelFailed',
  'resumingCancelFailed',
];

/** Which operations app-service accepts in which state (market.md sec. 5). */
const ALLOWED: Record<string, Op[]> = {
  pending: ['cancel'],
  downloading: ['cancel'],
  installing: ['cancel'],
  initializing: ['cancel'],
  upgrading: ['cancel'],
  applyingEnv: ['cancel'],
  resuming: ['cancel', 'stop'],
  running: ['uninstall', 'upgrade', 'stop', 'restart'],
  stopped: ['uninstall', 'upgrade', 'resume', 'restart'],
  installFailed: ['install', 'uninstall'],
  upgradeFailed: ['upgrade', 'uninstall'],
  // Upgrade pre-flight as olares-cli preflight.go: running|stopped|stopFailed|upgradeFailed|applyEnvFailed.
  applyEnvFailed: ['upgrade', 'uninstall'],
  stopFailed: ['stop', 'upgrade', 'uninstall'],
  resumeFailed: ['resume', 'uninstall'],
  uninstallFailed: ['uninstall'],
  pendingCancelFailed: ['cancel'],
  downloadingCancelFailed: ['cancel'],
  installingCancelFailed: ['cancel', 'uninstall'],
  upgradingCancelFailed: ['cancel', 'uninstall'],
  applyingEnvCancelFailed: ['cancel', 'uninstall'],
};

interface WatchRule {
  success: (row: AppRow | undefined, baseline?: string) => boolean;
  failure: (row: AppRow, baseline?: string) => boolean;
}

/**
 * olares-cli watch.go passesBaseline: the row must carry a parseable statusTime later than the
 * one seen before the request (the SPA's newTime === 0 rule): a row without one is not news yet.
 */
export function newerThan(row: AppRow, baseline?: string): boolean {
  const t = Date.parse(row.statusTime ?? '');
  if (Number.isNaN(t)) return false;
  const b = Date.parse(baseline ?? '');
  return Number.isNaN(b) || t > b;
}
/** stop/resume are idempotent: a row already there without an opType counts. */
const opIs = (row: AppRow, op: string) => !row.opType || row.opType === op;
/** install/upgrade must see their own opType (watch.go matchesOpType), or news after the request. */
const ownOutcome = (row: AppRow, op: string, baseline?: string) =>
  row.opType === op || (!!baseline && newerThan(row, baseline));

const WATCH: Record<Op, WatchRule> = {
  install: {
    success: (r) => r?.state === 'running' && r.opType === 'install',
    failure: (r, b) => [...FAILED, ...CANCELED].includes(r.state) && ownOutcome(r, 'install', b),
  },
  upgrade: {
    success: (r, b) =>
      !!r &&
      r.opType === 'upgrade' &&
      newerThan(r, b) &&
      (r.state === 'running' || (r.state === 'stopped' && !/^upgradeCancelBy/.test(r.reason ?? ''))),
    failure: (r, b) =>
      ([...FAILED, ...CANCELED].includes(r.state) && ownOutcome(r, 'upgrade', b)) ||
      (r.state === 'stopped' && /^upgradeCancelBy/.test(r.reason ?? '')),
  },
  uninstall: {
    success: (r) => !r || r.state === 'uninstalled',
    failure: (r) => r.state === 'uninstallFailed',
  },
  stop: {
    success: (r) => r?.state === 'stopped' && opIs(r, 'stop'),
    failure: (r) => r.state === 'stopFailed',
  },
  resume: {
    success: (r) => r?.state === 'running' && opIs(r, 'resume'),
    failure: (r) => ['resumeFailed', 'resumingCancelFailed'].includes(r.state),
  },
  restart: {
    success: (r, b) => r?.state === 'running' && newerThan(r, b),
    failure: (r) =>
      ['stopFailed', 'resumeFailed', 'resumingCanceled', 'resumingCancelFailed'].includes(r.state),
  },
  cancel: {
    success: (r) => !r || ['running', 'stopped', 'uninstalled', ...CANCELED, ...FAILED].includes(r.state),
    failure: (r) => CANCEL_FAILED.includes(r.state),
  },
};

const resultShape = {
  app: z.string(),
  operation: z.string(),
  status: z
    .enum(['accepted', 'success', 'failed', 'waiting'])
    .describe('waiting = still in progress on the box (wait timed out or was cancelled)'),
  message: z.string(),
  user: z.string(),
  source: z.string().optional(),
  version: z.string().optional(),
  state: z.string().optional(),
  opType: z.string().optional(),
  progress: z.string().optional(),
  finalState: z.string().optional(),
  finalOpType: z.string().optional(),
  statesSeen: z.array(z.string()).optional(),
  urls: z.array(z.string()).optional().describe("Where the user opens the app's entrances"),
  generatedEnvs: z
    .array(z.string())
    .optional()
    .describe('Env variables the server generated; values only in Settings'),
  cascade: z
    .boolean()
    .optional()
    .describe("stop/uninstall: whether the app's shared server charts were included (`all` on the wire)"),
};
type OperationResult = z.infer<z.ZodObject<typeof resultShape>>;

// The market client checks the name like a Kubernetes name before it becomes a URL segment
// (olares/market.ts checkAppName), so "." and ".." never reach a URL.
const appArg = z.string().min(1).max(100);
const waitArg = z.boolean().optional();
const cascadeArg = z
  .boolean()
  .optional()
  .describe('Also stop/remove its shared server charts (default: the box decides)');
const MUTATE = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true };
const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true };

async function market(ctx: ToolContext, app?: string) {
  if (app !== undefined) checkAppName(app);
  const c = await ctx.olares();
  return { m: c.market, user: c.olaresId };
}

async function installedRow(m: MarketClient, app: string, op: Op, signal: AbortSignal): Promise<AppRow> {
  const row = await m.row(app, signal);
  if (!row || (NOT_INSTALLED.has(row.state) && !ALLOWED[row.state]?.includes(op))) {
    throw new InvalidInputError(
      `'${app}' is not installed${row ? ` (state ${row.state})` : ''}; nothing to ${op}. Fix: market_install it first, or check market_status`,
    );
  }
  if (!ALLOWED[row.state]?.includes(op)) {
    const can = ALLOWED[row.state] ?? [];
    throw new InvalidInputError(
      `cannot ${op} '${app}' in state '${row.state}'${row.opType ? ` (op ${row.opType})` : ''}. ${can.length ? `Allowed now: ${can.map((o) => `market_${o}`).join(', ')}.` : 'No operation is allowed until it settles.'} Check again with market_status {app: "${app}"}`,
    );
  }
  return row;
}

/** Polls /market/state like --watch (market.md sec. 7). */
async function waitFor(
  op: Op,
  app: string,
  m: MarketClient,
  ctx: ToolContext,
  base: OperationResult,
  baseline?: string,
): Promise<OperationResult> {
  const interval = Math.max(10, Number(ctx.auth.env.OLARES_MARKET_POLL_MS) || 2000);
  const cap = Math.max(interval, Number(ctx.auth.env.OLARES_MARKET_WAIT_MS) || 15 * 60_000);
  const rule = WATCH[op];
  const started = Date.now();
  const seen: string[] = [];
  let errors = 0;
  let last: AppRow | undefined;
  let everSeen = false;
  for (let poll = 1; ; poll++) {
    if (ctx.signal.aborted) {
      // The client will not read this result (a cancelled request gets no response), so the
      // outcome also goes to stderr, where MCP hosts keep server logs.
      const message = `stopped waiting for ${op} of '${app}' (last state: ${last?.state ?? 'unknown'}); the operation itself continues on the box. Check with market_status`;
      log.info(`market_${op}: the client cancelled the call; ${message}`);
      return { ...base, status: 'waiting', message, state: last?.state, statesSeen: seen };
    }
    try {
      last = await m.row(app, ctx.signal);
      errors = 0;
    } catch (err) {
      if (ctx.signal.aborted) continue;
      if (++errors >= 5) {
        return {
          ...base,
          status: 'waiting',
          message: `${op} '${app}' watch aborted after 5 consecutive errors: ${(err as Error).message}. The operation may still be running; check market_status`,
          statesSeen: seen,
        };
      }
    }
    if (last) {
      everSeen = true;
      const label = `${last.state}${last.opType ? ` (${last.opType})` : ''}`;
      if (seen[seen.length - 1] !== label) {
        seen.push(label);
        await ctx.progress(poll, undefined, `${app}: ${label}`);
      }
    }
    const absentAfterSeen = !last && (op === 'uninstall' || (op === 'cancel' && everSeen));
    if ((last || absentAfterSeen || op === 'uninstall') && rule.success(last, baseline)) {
      const state = last?.state ?? 'uninstalled';
      return {
        ...base,
        status: 'success',
        message: `${op} completed (state=${state})`,
        state,
        opType: last?.opType,
        finalState: state,
        finalOpType: last?.opType ?? op,
        version: last?.version ?? base.version,
        statesSeen: seen,
      };
    }
    if (last && rule.failure(last, baseline)) {
      return {
        ...base,
        status: 'failed',
        message: `${op} '${app}' failed: state=${last.state} op=${last.opType ?? ''}${last.message || last.reason ? ` reason: ${last.message || last.reason}` : ''}`,
        state: last.state,
        finalState: last.state,
        finalOpType: last.opType,
        statesSeen: seen,
      };
    }
    if (Date.now() - started >= cap) {
      return {
        ...base,
        status: 'waiting',
        message: `${op} '${app}' watch timed out (last state: ${last?.state ?? 'none'}, op: ${last?.opType ?? 'none'}); it is not finished yet. Check again with market_status`,
        state: last?.state,
        statesSeen: seen,
      };
    }
    await sleep(interval, ctx.signal);
  }
}

/** Resolves after ms, or at once when the call is cancelled. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Sends the one request of an operation. When the box refuses it (HTTP 404, market.md sec. 5:
 * unknown app or a state that does not allow it), reads the row again and says what to do.
 */
async function send(
  op: Op,
  app: string,
  m: MarketClient,
  signal: AbortSignal,
  fn: () => Promise<Sent>,
): Promise<Sent> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof MarketError) || err.status !== 404) throw err;
    const row = await m.row(app, signal).catch(() => undefined);
    if (!row)
      throw new InvalidInputError(
        `the box refused ${op} of '${app}' (${err.message}): it is not installed${op === 'install' ? ' and may not exist in that source; find the name with market_list' : '; check the name with market_list {mine: true}'}`,
      );
    const can = ALLOWED[row.state] ?? [];
    throw new InvalidInputError(
      op === 'cancel'
        ? `'${app}' was in state '${row.state}' and has no operation left to cancel; it most likely finished, or was already cancelled, before this request landed. Check with market_status {app: "${app}"}`
        : `the box refused ${op} of '${app}' in state '${row.state}' (${err.message}). ${can.length ? `Allowed now: ${can.map((o) => `market_${o}`).join(', ')}.` : 'Wait until it settles (market_status).'}`,
    );
  }
}

/** HTTP 202: the market's sync wait ended early (client gone, 30-minute cap); the task runs on. */
function accepted(message: string, sent: Sent) {
  return sent.stillRunning
    ? `${message}; the box accepted it and is still working on it (HTTP 202). Follow it with market_status`
    : message;
}

/** The JSON holds the states seen and the URLs; the summary is the outcome in one line. */
function summarize(r: OperationResult) {
  return `${r.operation} '${r.app}': ${r.status === 'failed' ? 'FAILED: ' : ''}${r.message}`;
}

export const marketList = defineTool({
  name: 'market_list',
  title: 'List market apps',
  description: 'The market catalog, or (mine: true) the installed market apps; live state: market_status.',
  toolset: 'market',
  input: {
    mine: z.boolean().optional().describe('Installed ones only'),
    category: z.string().optional().describe('e.g. Productivity'),
    limit: z.number().int().min(1).max(500).optional().describe('Default 100'),
    page: z.number().int().min(1).optional().describe('1-based'),
  },
  output: {
    apps: z.array(
      z.object({
        name: z.string(),
        title: z.string(),
        version: z.string().describe('Latest in the catalog'),
        installed: z.string().optional().describe('Installed version (mine)'),
        source: z.string(),
        categories: z.array(z.string()),
      }),
    ),
    total: z.number(),
    nextPage: z.number().optional(),
  },
  annotations: READ,
  async handler({ mine, category, limit = 100, page = 1 }, ctx) {
    const { m } = await market(ctx);
    const catalog = await m.catalog(ctx.signal);
    let apps: Array<{
      name: string;
      title: string;
      version: string;
      installed?: string;
      source: string;
      categories: string[];
    }> = catalog;
    if (mine) {
      const rows = (await m.rows(ctx.signal)).filter((r) => !NOT_INSTALLED.has(r.state));
      apps = rows.map((r) => {
        const c = catalog.find((x) => x.name === r.name);
        return {
          name: r.name,
          title: c?.title ?? r.name,
          version: c?.version ?? '',
          installed: r.version ?? '',
          source: r.source,
          categories: c?.categories ?? [],
        };
      });
    }
    if (category)
      apps = apps.filter((a) => a.categories.some((c) => c.toLowerCase() === category.toLowerCase()));
    const shown = apps.slice((page - 1) * limit, page * limit);
    const nextPage = page * limit < apps.length ? page + 1 : undefined;
    return {
      data: { apps: shown, total: apps.length, nextPage },
      summary: `${apps.length} app(s)${mine ? ' installed' : ' in the catalog'}${category ? ` in category ${category}` : ''}`,
    };
  },
});

export const marketGet = defineTool({
  name: 'market_get',
  title: 'Show a market app',
  description: 'A market app: version, description, entrance URLs, env variables and compute modes.',
  toolset: 'market',
  input: { app: appArg, source: z.string().optional().describe(`Default ${DEFAULT_SOURCE}`) },
  output: {
    name: z.string(),
    title: z.string(),
    version: z.string(),
    source: z.string(),
    description: z.string().optional(),
    developer: z.string().optional(),
    categories: z.array(z.string()),
    entrances: z.array(z.object({ name: z.string(), title: z.string().optional(), url: z.string() })),
    envs: z.array(
      z.object({
        name: z.string(),
        required: z.boolean(),
        description: z.string().optional(),
        secret: z.boolean().optional(),
      }),
    ),
    computeModes: z.array(z.string()),
  },
  annotations: READ,
  async handler({ app, source = DEFAULT_SOURCE }, ctx) {
    const { m } = await market(ctx, app);
    const d = await m.detail(app, source, ctx.signal);
    const data = {
      name: d.name,
      title: d.title,
      version: d.version,
      source,
      description: d.description,
      developer: d.developer,
      categories: d.categories,
      entrances: m.entrances(d.name, d),
      envs: d.envs,
      computeModes: d.computeModes,
    };
    return {
      data,
      summary: `${data.title} ${data.version} (${source})${data.envs.some((e) => e.required) ? '; it needs env variables: give them in envs, or have secrets generated with generateEnvs' : ''}`,
    };
  },
});

export const marketStatus = defineTool({
  name: 'market_status',
  title: 'Market app status',
  description: 'Live state of installed market apps, or of one.',
  toolset: 'market',
  input: { app: appArg.optional() },
  output: {
    apps: z.array(
      z.object({
        name: z.string(),
        state: z.string(),
        opType: z.string().optional(),
        progress: z.string().optional(),
        version: z.string().optional(),
        source: z.string().optional(),
        message: z.string().optional(),
      }),
    ),
  },
  annotations: READ,
  async handler({ app }, ctx) {
    const { m } = await market(ctx, app);
    const rows = (await m.rows(ctx.signal)).filter((r) => (app ? r.name === app : r.state !== 'uninstalled'));
    if (app && rows.length === 0)
      throw new InvalidInputError(
        `app '${app}' is not installed (install it with market_install {app: "${app}"})`,
      );
    const apps = rows.map((r) => ({
      name: r.name,
      state: r.state,
      opType: r.opType,
      progress: r.progress,
      version: r.version,
      source: r.source,
      message: r.message,
    }));
    return {
      data: { apps },
      summary: apps.length
        ? apps.map((a) => `${a.name}: ${a.state}${a.opType ? ` (${a.opType})` : ''}`).join('\n')
        : 'no apps installed',
    };
  },
});

const ENV_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Where a person reads an app's env values: the server never returns the generated ones. */
const SETTINGS_ENV_HINT = (title: string) => `Settings > Applications > ${title} > Environment variables`;

/** A value for a secret env variable: 32 random bytes, URL-safe (any app accepts it as text). */
const generateSecret = () => randomBytes(32).toString('base64url');

/**
 * The env values sent with an install: the caller's, plus a generated value for each name in
 * generate. Only variables the catalog declares may be generated, and never one given a value
 * too: a name from an injected prompt cannot add variables the app does not know.
 */
function envsToSend(
  app: string,
  declared: string[],
  given: Record<string, string> | undefined,
  generate: string[] | undefined,
): Record<string, string> | undefined {
  if (!generate?.length) return given;
  const unknown = generate.filter((n) => !declared.includes(n));
  if (unknown.length)
    throw new InvalidInputError(
      `generateEnvs names ${unknown.join(', ')}, which '${app}' does not declare (it declares: ${declared.join(', ') || 'none'}). Nothing was installed. Fix: name only variables market_get lists`,
    );
  const both = generate.filter((n) => given && n in given);
  if (both.length)
    throw new InvalidInputError(
      `${both.join(', ')} is both given in envs and named in generateEnvs; keep one. Nothing was installed`,
    );
  return { ...given, ...Object.fromEntries(generate.map((n) => [n, generateSecret()])) };
}

export const marketInstall = defineTool({
  name: 'market_install',
  title: 'Install an app',
  description: 'Install a market app; an error names any missing env variable or compute mode.',
  toolset: 'market',
  input: {
    app: appArg,
    version: z.string().optional().describe('Default: latest'),
    envs: z.record(z.string(), z.string()).optional().describe('Env values, e.g. {"API_KEY": "..."}'),
    generateEnvs: z
      .array(z.string().max(100))
      .max(20)
      .optional()
      .describe('Secret env names the server fills; values never shown'),
    computeMode: z.string().optional().describe('e.g. cpu or nvidia'),
    source: z.string().optional().describe(`Default ${DEFAULT_SOURCE}`),
    wait: waitArg,
  },
  output: resultShape,
  annotations: MUTATE,
  auditTarget: (a) => ({
    app: a.app,
    version: a.version,
    envNames: Object.keys(a.envs ?? {}),
    generatedEnvNames: a.generateEnvs,
    computeMode: a.computeMode,
  }),
  async handler({ app, version, envs, generateEnvs, computeMode, source = DEFAULT_SOURCE, wait }, ctx) {
    for (const name of [...Object.keys(envs ?? {}), ...(generateEnvs ?? [])])
      if (!ENV_NAME.test(name))
        throw new InvalidInputError(
          `env name "${name.slice(0, 60)}" is invalid (letters, digits and _; must start with a letter)`,
        );
    if (version && !/^v?\d+\.\d+\.\d+([-.+][0-9A-Za-z.-]+)?$/.test(version))
      throw new InvalidInputError(
        `invalid version '${version.slice(0, 40)}': must be a valid semver (e.g. 1.0.0, 1.2.3)`,
      );
    const { m, user } = await market(ctx, app);
    const row = await m.row(app, ctx.signal);
    if (row && !NOT_INSTALLED.has(row.state)) {
      throw new InvalidInputError(
        `'${app}' is already installed (state ${row.state}${row.version ? `, version ${row.version}` : ''}). Use market_upgrade for a newer version, or market_status to follow it`,
      );
    }
    const detail = await m.detail(app, source, ctx.signal);
    const target = version?.replace(/^v/, '') || detail.version;
    if (!target)
      throw new InvalidInputError(
        `cannot determine the version of '${app}' in source '${source}'; pass version`,
      );
    const declared = detail.envs.map((e) => e.name);
    const sending = envsToSend(app, declared, envs, generateEnvs);
    const sent = await send('install', app, m, ctx.signal, () =>
      m.install(app, { source, version: target, envs: sending, computeMode }, ctx.signal),
    );
    const generated = generateEnvs?.length ? [...generateEnvs] : undefined;
    const where = generated
      ? `; generated ${generated.join(', ')}: the user reads the value in ${SETTINGS_ENV_HINT(detail.title)}`
      : '';
    const base: OperationResult = {
      app,
      operation: 'install',
      status: 'accepted',
      message: accepted(`install requested for version ${target}${where}`, sent),
      user,
      source,
      version: target,
      urls: m.entrances(app, detail).map((e) => e.url),
      generatedEnvs: generated,
    };
    const result = wait ? await waitFor('install', app, m, ctx, base, row?.statusTime) : base;
    if (wait && where) result.message += where;
    return { data: result, summary: summarize(result) };
  },
});

function lifecycleTool(
  op: 'stop' | 'resume' | 'restart' | 'upgrade' | 'cancel',
  title: string,
  description: string,
  destructive: boolean,
) {
  const input = {
    app: appArg,
    wait: waitArg,
    ...(op === 'upgrade' ? { version: z.string().optional().describe('Default: latest') } : {}),
    ...(op === 'stop' ? { cascade: cascadeArg } : {}),
    ...(destructive ? { dryRun: z.boolean().optional() } : {}),
  };
  return defineTool({
    name: `market_${op}`,
    title,
    description,
    toolset: 'market',
    input,
    output: { ...resultShape, ...(destructive ? { dryRun: z.boolean().optional() } : {}) },
    annotations: {
      ...MUTATE,
      destructiveHint: destructive,
      idempotentHint: op === 'stop' || op === 'resume',
    },
    async handler(
      args: { app: string; wait?: boolean; version?: string; dryRun?: boolean; cascade?: boolean },
      ctx,
    ) {
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
      let sent: Sent;
      if (op === 'upgrade') {
        const target =
          args.version?.replace(/^v/, '') || (await m.detail(args.app, row.source, ctx.signal)).version;
        if (row.version && target.localeCompare(row.version, undefined, { numeric: true }) <= 0) {
          throw new InvalidInputError(
            target === row.version
              ? `cannot upgrade '${args.app}': version ${target} is already installed; nothing to do`
              : `cannot upgrade '${args.app}': ${target} is older than the installed ${row.version}; uninstall and reinstall the older version instead`,
          );
        }
        sent = await send(op, args.app, m, ctx.signal, () => m.upgrade(row, target, ctx.signal));
        base.message = `upgrade requested for version ${target}`;
        base.version = target;
      } else if (op === 'cancel')
        sent = await send(op, args.app, m, ctx.signal, () => m.cancel(row, ctx.signal));
      else {
        const cascade = op === 'stop' ? await m.cascade(row, args.cascade, ctx.signal) : undefined;
        sent = await send(op, args.app, m, ctx.signal, () =>
          m.lifecycle(op, row, { all: cascade?.all }, ctx.signal),
        );
        if (cascade) {
          base.cascade = cascade.all;
          base.message = `stop requested (${cascade.all ? 'with' : 'without'} its shared charts: ${cascade.why})`;
        }
      }
      base.message = accepted(base.message, sent);
      const result = args.wait ? await waitFor(op, args.app, m, ctx, base, baseline) : base;
      if (args.wait && base.cascade !== undefined) result.message += ` [${base.message}]`;
      return { data: destructive ? { ...result, dryRun: false } : result, summary: summarize(result) };
    },
  });
}

export const marketUninstall = defineTool({
  name: 'market_uninstall',
  title: 'Uninstall an app',
  description: 'Uninstall a market app (deleteData also removes its data).',
  toolset: 'market',
  input: {
    app: appArg,
    deleteData: z.boolean().optional(),
    cascade: cascadeArg,
    wait: waitArg,
    dryRun: z.boolean().optional(),
  },
  output: { ...resultShape, dryRun: z.boolean().optional() },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
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

export const marketTools: ToolDeclaration<any, any>[] = [
  marketList,
  marketGet,
  marketStatus,
  marketInstall,
  marketUninstall,
  lifecycleTool(
    'upgrade',
    'Upgrade an app',
    'Upgrade an installed market app to a newer catalog version.',
    false,
  ),
  // Stopping and restarting interrupt an app the user may be using: confirmed like deletes.
  lifecycleTool('stop', 'Stop an app', 'Stop (suspend) a running market app; its data stays.', true),
  lifecycleTool('resume', 'Resume an app', 'Start a stopped market app again.', false),
  lifecycleTool(
    'restart',
    'Restart an app',
    'Restart a market app (stop then resume; Olares >= 1.12.6).',
    true,
  ),
  lifecycleTool('cancel', 'Cancel an app operation', 'Cancel an install or upgrade in progress.', true),
];
