// What a pod's status says about its health, read the way kubectl and the kubelet mean it
// (Kubernetes core/v1 PodStatus, ContainerStatus.lastState), and the log-line filter: shared by
// cluster_pods, cluster_pod_get, cluster_app_status and cluster_pod_logs.
import { z } from 'zod';
import { InvalidInputError } from '../errors.js';

export function podStatus(p: any): string {
  const cs: any[] = p?.status?.containerStatuses ?? [];
  return (
    cs.find((c) => c.state?.waiting?.reason)?.state.waiting.reason ??
    cs.find((c) => c.state?.terminated?.reason)?.state.terminated.reason ??
    p?.status?.phase ??
    'Unknown'
  );
}

/** A restart this recent still counts: one a week ago on a pod that has run since does not. */
const RECENT_RESTART_MS = 60 * 60_000;

function restartedRecently(c: any, now: number): boolean {
  if (Number(c.restartCount ?? 0) === 0) return false;
  const ended = Date.parse(c.lastState?.terminated?.finishedAt ?? '');
  return Number.isNaN(ended) || now - ended < RECENT_RESTART_MS;
}

/** How long a pod may stay Pending before it counts as stuck (image pulls on a home line are slow). */
const PENDING_TOO_LONG_MS = 10 * 60_000;

/**
 * Why a pod needs a look, or undefined when it is healthy: a failed phase, a container that is
 * not ready or restarted within RECENT_RESTART_MS, or a pod pending longer than PENDING_TOO_LONG_MS. A crash loop keeps
 * the Running phase (Kubernetes only restarts the container), so phase alone never clears a pod.
 */
export function unhealthyReason(p: any, now = Date.now()): string | undefined {
  const phase = String(p?.status?.phase ?? 'Unknown');
  const cs: any[] = p?.status?.containerStatuses ?? [];
  if (phase === 'Succeeded') return undefined;
  if (phase === 'Failed' || phase === 'Unknown') return phase;
  if (phase === 'Pending') {
    const since = Date.parse(p?.metadata?.creationTimestamp ?? '');
    return Number.isNaN(since) || now - since > PENDING_TOO_LONG_MS ? 'pending too long' : undefined;
  }
  const waiting = cs.find((c) => c.state?.waiting?.reason)?.state.waiting.reason;
  if (waiting) return waiting;
  if (cs.some((c) => restartedRecently(c, now))) return 'restarting';
  if (cs.some((c) => !c.ready)) return 'not ready';
  return undefined;
}

/** The last termination of the pod's most recently crashed container (core/v1 lastState.terminated). */
function lastExit(p: any) {
  const ended = ((p?.status?.containerStatuses ?? []) as any[])
    .map((c) => ({ container: String(c.name), t: c.lastState?.terminated }))
    .filter((x) => x.t)
    .sort((a, b) => String(b.t.finishedAt ?? '').localeCompare(String(a.t.finishedAt ?? '')))[0];
  if (!ended) return undefined;
  return {
    container: ended.container,
    reason: ended.t.reason ? String(ended.t.reason) : undefined,
    exitCode: typeof ended.t.exitCode === 'number' ? ended.t.exitCode : undefined,
    at: ended.t.finishedAt ? String(ended.t.finishedAt) : undefined,
  };
}

export function podRow(p: any) {
  const cs: any[] = p?.status?.containerStatuses ?? [];
  return {
    namespace: String(p?.metadata?.namespace ?? ''),
    name: String(p?.metadata?.name ?? ''),
    ready: `${cs.filter((c) => c.ready).length}/${(p?.spec?.containers ?? []).length}`,
    status: podStatus(p),
    restarts: cs.reduce((a, c) => a + Number(c.restartCount ?? 0), 0),
    lastExit: lastExit(p),
  };
}

export const exitSchema = z
  .object({
    container: z.string(),
    reason: z.string().optional(),
    exitCode: z.number().optional(),
    at: z.string().optional(),
  })
  .describe('Last termination of a restarted container');
export const podRowSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  ready: z.string(),
  status: z.string(),
  restarts: z.number(),
  lastExit: exitSchema.optional(),
  problem: z.string().optional(),
});

/**
 * Case-insensitive plain-text match; `a|b` matches either. Plain text, not a regular expression:
 * a pattern comes from the agent, and a regular expression from it could hang the server.
 */
export function lineMatcher(pattern: string): (line: string) => boolean {
  const terms = pattern
    .toLowerCase()
    .split('|')
    .map((t) => t.trim())
    .filter(Boolean);
  if (!terms.length)
    throw new InvalidInputError('pattern is empty; give the text to look for, e.g. error|panic');
  return (line) => {
    const l = line.toLowerCase();
    return terms.some((t) => l.includes(t));
  };
}

/** Keeps the newest bytes of a log when it is still over the cap. */
export function capBytes(text: string, maxBytes: number) {
  const bytes = Buffer.byteLength(text);
  if (bytes <= maxBytes) return { log: text, truncated: false };
  const kept = Buffer.from(text)
    .subarray(bytes - maxBytes)
    .toString('utf8');
  return {
    log: `[... ${bytes - maxBytes} earlier bytes cut at maxBytes=${maxBytes}; lower tail or raise maxBytes ...]\n${kept.slice(kept.indexOf('\n') + 1)}`,
    truncated: true,
  };
}
