// `wait: true`: polls /market/state like `olares-cli market ... --watch` (docs/wire/market.md#watching) until
// the operation's own outcome shows, the wait cap passes, or the client cancels the call.
import { log } from '../../log.js';
import type { AppRow, MarketClient } from '../../olares/market.js';
import type { ToolContext } from '../context.js';
import { poll } from '../poll.js';
import type { Op, OperationResult } from './shared.js';

/** Failed state reads in a row that end a watch: a passing blip of the network must not end it. */
const MAX_READ_FAILURES = 5;

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

/** One watch in progress: what was asked, and what the polls have seen so far. */
interface Watch {
  op: Op;
  app: string;
  ctx: ToolContext;
  base: OperationResult;
  baseline?: string;
  seen: string[];
  last?: AppRow;
  everSeen: boolean;
}

/**
 * Polls /market/state like --watch (docs/wire/market.md#watching). Only rows actually read are
 * judged: a failed read never counts as an outcome (before the first real read, an absent
 * `last` would look like a finished uninstall); the fifth failure in a row ends the watch.
 */
export async function waitFor(
  op: Op,
  app: string,
  m: MarketClient,
  ctx: ToolContext,
  base: OperationResult,
  baseline?: string,
): Promise<OperationResult> {
  const interval = Math.max(10, Number(ctx.auth.env.OLARES_MARKET_POLL_MS) || 2000);
  const cap = Math.max(interval, Number(ctx.auth.env.OLARES_MARKET_WAIT_MS) || 15 * 60_000);
  const w: Watch = { op, app, ctx, base, baseline, seen: [], everSeen: false };
  const ended = await poll<AppRow | undefined>({
    read: () => m.row(app, ctx.signal),
    intervalMs: interval,
    deadlineMs: cap,
    signal: ctx.signal,
    maxReadFailures: MAX_READ_FAILURES,
    onValue: (row, n) => {
      w.last = row;
      return reportState(w, n);
    },
    settled: (row) => outcome({ ...w, last: row }) !== undefined,
  });
  switch (ended.kind) {
    case 'settled':
      return outcome(w) as OperationResult;
    case 'cancelled':
      return cancelled(w);
    case 'timedOut':
      return timedOut(w);
    case 'unreadable':
      return unreadable(w, ended.error);
  }
}

function cancelled({ op, app, base, last, seen }: Watch): OperationResult {
  // The client will not read this result (a cancelled request gets no response), so the
  // outcome also goes to stderr, where MCP hosts keep server logs.
  const message = `stopped waiting for ${op} of '${app}' (last state: ${last?.state ?? 'unknown'}); the operation itself continues on the box. Check with market_status`;
  log.info(`market_${op}: the client cancelled the call; ${message}`);
  return { ...base, status: 'waiting', message, state: last?.state, statesSeen: seen };
}

function unreadable({ op, app, base, seen }: Watch, error: unknown): OperationResult {
  return {
    ...base,
    status: 'waiting',
    message: `${op} '${app}' watch aborted after ${MAX_READ_FAILURES} consecutive errors: ${(error as Error).message}. The operation may still be running; check market_status`,
    statesSeen: seen,
  };
}

/** Each new state goes into statesSeen and out as a progress notification. */
async function reportState(w: Watch, pollNumber: number) {
  if (!w.last) return;
  w.everSeen = true;
  const label = `${w.last.state}${w.last.opType ? ` (${w.last.opType})` : ''}`;
  if (w.seen[w.seen.length - 1] !== label) {
    w.seen.push(label);
    await w.ctx.progress(pollNumber, undefined, `${w.app}: ${label}`);
  }
}

/** The operation's own success or failure, once the row shows it. */
function outcome({ op, app, base, baseline, last, seen, everSeen }: Watch): OperationResult | undefined {
  const rule = WATCH[op];
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
  return undefined;
}

function timedOut({ op, app, base, last, seen }: Watch): OperationResult {
  return {
    ...base,
    status: 'waiting',
    message: `${op} '${app}' watch timed out (last state: ${last?.state ?? 'none'}, op: ${last?.opType ?? 'none'}); it is not finished yet. Check again with market_status`,
    state: last?.state,
    statesSeen: seen,
  };
}
