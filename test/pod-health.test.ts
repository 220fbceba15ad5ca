// Which pods need a look, decided from the status Kubernetes reports (core/v1 PodStatus), and the
// plain-text log filter: the rules behind cluster_pods {unhealthy: true} and cluster_pod_logs {pattern}.
import { describe, expect, it } from 'vitest';
import { lineMatcher, unhealthyReason } from '../src/tools/podHealth.js';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const minutesAgo = (m: number) => new Date(NOW - m * 60_000).toISOString();
const pod = (
  phase: string,
  containers: any[] = [{ ready: true, restartCount: 0 }],
  created = minutesAgo(600),
) => ({
  metadata: { name: 'p', creationTimestamp: created },
  status: { phase, containerStatuses: containers },
});

describe('unhealthyReason', () => {
  it('clears a running, ready pod and a finished job, whatever their age', () => {
    expect(unhealthyReason(pod('Running'), NOW)).toBeUndefined();
    expect(unhealthyReason(pod('Succeeded', [{ ready: false }]), NOW)).toBeUndefined();
  });

  it('flags a crash loop although its phase stays Running', () => {
    const looping = pod('Running', [
      { ready: false, restartCount: 12, state: { waiting: { reason: 'CrashLoopBackOff' } } },
    ]);
    expect(unhealthyReason(looping, NOW)).toBe('CrashLoopBackOff');
  });

  it('flags a recent restart, not one from last week on a pod that has run since', () => {
    const recent = pod('Running', [
      { ready: true, restartCount: 1, lastState: { terminated: { finishedAt: minutesAgo(5) } } },
    ]);
    const old = pod('Running', [
      { ready: true, restartCount: 1, lastState: { terminated: { finishedAt: minutesAgo(7 * 24 * 60) } } },
    ]);
    expect(unhealthyReason(recent, NOW)).toBe('restarting');
    expect(unhealthyReason(old, NOW)).toBeUndefined();
  });

  it('flags failed, unknown and not-ready pods, and a pending pod only once it is stuck', () => {
    expect(unhealthyReason(pod('Failed'), NOW)).toBe('Failed');
    expect(unhealthyReason({ metadata: { name: 'x' } }, NOW)).toBe('Unknown');
    expect(unhealthyReason(pod('Running', [{ ready: false, restartCount: 0 }]), NOW)).toBe('not ready');
    expect(unhealthyReason(pod('Pending', [], minutesAgo(2)), NOW)).toBeUndefined();
    expect(unhealthyReason(pod('Pending', [], minutesAgo(11)), NOW)).toBe('pending too long');
  });
});

describe('lineMatcher', () => {
  it('matches plain text in any case, with | for either, and never as a regular expression', () => {
    const m = lineMatcher('ERROR|panic');
    expect(['an error here', 'PANIC: x', 'all fine'].map(m)).toEqual([true, true, false]);
    // Regular-expression syntax is text: (a+)+$ finds only itself, at once.
    const literal = lineMatcher('(a+)+$');
    expect(literal(`${'a'.repeat(50)}!`)).toBe(false);
    expect(literal('x (a+)+$ y')).toBe(true);
  });

  it('refuses a pattern with nothing to look for', () => {
    expect(() => lineMatcher(' | ')).toThrow(/pattern is empty/);
  });
});
