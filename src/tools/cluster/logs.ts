// Pod logs and events: what a container printed and what happened to the pod.
import { z } from 'zod';
import { InvalidInputError } from '../../errors.js';
import { READ } from '../annotations.js';
import { defineTool } from '../defineTool.js';
import { capBytes, lineMatcher } from '../podHealth.js';
import { checkName, hub, nsArg, podArg } from './shared.js';

const LOG_CAP_DEFAULT = 64 * 1024;

function parseSince(s: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(s.trim());
  if (!m)
    throw new InvalidInputError(`since "${s.slice(0, 40)}" is not a duration; use e.g. 30s, 5m, 2h, 1d`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

const LOG_TAIL_DEFAULT = 50;
/** Lines read from the box when a pattern filters them: the tail applies to the matches. */
const LOG_SCAN_WITH_PATTERN = 5000;

export const clusterPodLogs = defineTool({
  name: 'cluster_pod_logs',
  title: 'Pod logs',
  description:
    "Last lines of a container's log (tail, default 50); pattern keeps matching lines of the last 5000.",
  toolset: 'cluster',
  input: {
    namespace: nsArg,
    pod: podArg,
    container: z.string().optional().describe('Default: the first container'),
    tail: z.number().int().min(1).max(10000).optional().describe('Last N lines, or N matches (default 50)'),
    pattern: z.string().max(200).optional().describe('Keep lines with this text, any case; a|b = either'),
    since: z.string().optional().describe('e.g. 10m: newer lines only'),
    previous: z.boolean().optional().describe("The crashed instance's log"),
    timestamps: z.boolean().optional().describe('Prefix lines with time'),
    maxBytes: z
      .number()
      .int()
      .min(1024)
      .max(1024 * 1024)
      .optional()
      .describe('Cap in bytes (default 65536)'),
  },
  output: {
    namespace: z.string(),
    pod: z.string(),
    container: z.string(),
    lines: z.number(),
    scanned: z.number().optional().describe('Lines searched for the pattern'),
    matched: z.number().optional().describe('Lines that matched, before the tail'),
    truncated: z.boolean(),
    log: z.string(),
  },
  annotations: READ,
  async handler(
    { namespace, pod, container, tail, pattern, since, previous, timestamps, maxBytes = LOG_CAP_DEFAULT },
    ctx,
  ) {
    checkName('namespace', namespace);
    checkName('pod', pod);
    const matches = pattern !== undefined ? lineMatcher(pattern) : undefined;
    const h = await hub(ctx);
    let picked = container;
    if (!picked) {
      const spec = await h.getPod(namespace, pod, ctx.signal);
      const names: string[] = (spec?.spec?.containers ?? []).map((c: any) => String(c.name));
      if (!names.length) throw new InvalidInputError(`pod ${namespace}/${pod} has no containers in spec`);
      picked = names[0];
    }
    const sinceSeconds = since ? parseSince(since) : undefined;
    const want = tail ?? (sinceSeconds && !matches ? undefined : LOG_TAIL_DEFAULT);
    const text = await h.podLogs(
      namespace,
      pod,
      {
        container: picked,
        tailLines: matches ? (sinceSeconds ? undefined : LOG_SCAN_WITH_PATTERN) : want,
        sinceSeconds,
        previous: previous || undefined,
        timestamps: timestamps || undefined,
      },
      ctx.signal,
    );
    let body = text;
    let scanned: number | undefined;
    let matched: number | undefined;
    if (matches) {
      const all = text.split('\n').filter(Boolean);
      const hits = all.filter(matches);
      scanned = all.length;
      matched = hits.length;
      const kept = want ? hits.slice(-want) : hits;
      body = kept.length ? `${kept.join('\n')}\n` : '';
    }
    const { log, truncated } = capBytes(body, maxBytes);
    const lines = log.split('\n').filter(Boolean).length - (truncated ? 1 : 0);
    const found = matches ? `; ${matched} of ${scanned} scanned line(s) matched "${pattern}"` : '';
    return {
      data: { namespace, pod, container: picked, lines, scanned, matched, truncated, log },
      summary: `${namespace}/${pod} [${picked}${container ? '' : ', picked automatically'}]: ${lines} line(s)${truncated ? ' (truncated)' : ''}${found}`,
      raw: { label: `log of pod ${namespace}/${pod} container ${picked}`, field: 'log', text: log },
    };
  },
});

export const clusterPodEvents = defineTool({
  name: 'cluster_pod_events',
  title: 'Pod events',
  description: 'Events of one pod, oldest first (scheduling, pulls, back-offs...).',
  toolset: 'cluster',
  input: {
    namespace: nsArg,
    pod: podArg,
    limit: z.number().int().min(1).max(1000).optional().describe('Namespace events read (default 200)'),
  },
  output: {
    events: z.array(
      z.object({
        type: z.string(),
        reason: z.string(),
        message: z.string(),
        count: z.number(),
        lastSeen: z.string().optional(),
        from: z.string().optional(),
      }),
    ),
  },
  annotations: READ,
  async handler({ namespace, pod, limit = 200 }, ctx) {
    checkName('namespace', namespace);
    checkName('pod', pod);
    const items = await (await hub(ctx)).events(namespace, limit, ctx.signal);
    const ts = (e: any) => e.lastTimestamp || e.firstTimestamp || e.metadata?.creationTimestamp || '';
    const events = items
      .filter((e) => e?.involvedObject?.kind === 'Pod' && e.involvedObject.name === pod)
      .sort((a, b) => ts(a).localeCompare(ts(b)))
      .map((e) => ({
        type: String(e.type ?? ''),
        reason: String(e.reason ?? ''),
        message: String(e.message ?? ''),
        count: Number(e.count ?? 1),
        lastSeen: ts(e) || undefined,
        from: e.source ? [e.source.component, e.source.host].filter(Boolean).join('/') : undefined,
      }));
    return {
      data: { events },
      summary: events.length
        ? `${events.length} event(s) for ${namespace}/${pod}`
        : `no events for pod ${namespace}/${pod}`,
    };
  },
});
