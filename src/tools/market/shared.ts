// What every market verb shares: the operation names, which of them each state allows
// (docs/wire/market.md#state-machine), the arguments, the result shape, and the one request an operation sends.
import { z } from 'zod';
import { InvalidInputError } from '../../errors.js';
import {
  type AppRow,
  type ComputeBinding,
  checkAppName,
  type MarketClient,
  MarketError,
  NOT_INSTALLED,
  type Sent,
} from '../../olares/market.js';
import type { ToolContext } from '../context.js';

export type Op = 'install' | 'uninstall' | 'upgrade' | 'stop' | 'resume' | 'restart' | 'cancel';

/** Which operations app-service accepts in which state (docs/wire/market.md#state-machine). */
export const ALLOWED: Record<string, Op[]> = {
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

export const resultShape = {
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
export type OperationResult = z.infer<z.ZodObject<typeof resultShape>>;

// The market client checks the name like a Kubernetes name before it becomes a URL segment
// (olares/market.ts checkAppName), so "." and ".." never reach a URL.
export const appArg = z.string().min(1).max(100);
export const waitArg = z.boolean().optional();
export const cascadeArg = z.boolean().optional().describe('Include its shared server charts');

export const computeBindingArg = z
  .array(z.string().max(200))
  .min(1)
  .max(16)
  .optional()
  .describe('GPUs as node:device[:mem]');

const BINDING =
  /^([A-Za-z0-9][A-Za-z0-9._-]{0,62}):([A-Za-z0-9][A-Za-z0-9._-]{0,99})(?::(\d+(?:\.\d+)?)(Gi|Mi)?)?$/;

/** olares-cli parseComputeBindingFlags: node:device[:mem], a bare mem in Gi; the wire wants bytes. */
export function parseBindings(raw: string[] | undefined): ComputeBinding[] | undefined {
  return raw?.map((item) => {
    const m = BINDING.exec(item.trim());
    const amount = m?.[3] === undefined ? undefined : Number(m[3]) * (m[4] === 'Mi' ? 2 ** 20 : 2 ** 30);
    if (!m || (amount !== undefined && !(amount >= 2 ** 20 && amount <= 2 ** 50)))
      throw new InvalidInputError(
        `computeBinding "${item.slice(0, 80)}" is not node:device[:mem] with mem between 1Mi and 1024Ti (e.g. node-1:gpu-0, node-1:gpu-0:8, node-1:gpu-0:512Mi)`,
      );
    return {
      nodeName: m[1],
      deviceId: m[2],
      ...(amount === undefined ? {} : { memory: Math.round(amount) }),
    };
  });
}

export async function market(ctx: ToolContext, app?: string) {
  if (app !== undefined) checkAppName(app);
  const c = await ctx.olares();
  return { m: c.market, user: c.olaresId };
}

export async function installedRow(
  m: MarketClient,
  app: string,
  op: Op,
  signal: AbortSignal,
): Promise<AppRow> {
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

/**
 * Sends the one request of an operation. When the box refuses it (HTTP 404, docs/wire/market.md#state-machine:
 * unknown app or a state that does not allow it), reads the row again and says what to do.
 */
export async function send<T extends Sent>(
  op: Op,
  app: string,
  m: MarketClient,
  signal: AbortSignal,
  fn: () => Promise<T>,
): Promise<T> {
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
export function accepted(message: string, sent: Sent) {
  return sent.stillRunning
    ? `${message}; the box accepted it and is still working on it (HTTP 202). Follow it with market_status`
    : message;
}

/** The JSON holds the states seen and the URLs; the summary is the outcome in one line. */
export function summarize(r: OperationResult) {
  return `${r.operation} '${r.app}': ${r.status === 'failed' ? 'FAILED: ' : ''}${r.message}`;
}
