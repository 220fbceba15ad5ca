// The one task poller (src/tools/poll.ts): when it stops asking, and what it hands back.
import { describe, expect, it } from 'vitest';
import { poll, pollUntilSettled } from '../src/tools/poll.js';

/** A read that answers the given values in turn (the last one forever); errors are thrown. */
function scripted<T>(answers: Array<T | Error>) {
  let calls = 0;
  const read = async () => {
    const answer = answers[Math.min(calls, answers.length - 1)];
    calls++;
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { read, calls: () => calls };
}

const base = { intervalMs: 1, deadlineMs: 5_000 };

describe('poll', () => {
  it('asks until an answer settles and shows every answer, counted from 1', async () => {
    const states = scripted(['pending', 'running', 'completed', 'never read']);
    const seen: Array<[string, number]> = [];
    const outcome = await poll({
      ...base,
      read: states.read,
      settled: (s) => s === 'completed',
      signal: new AbortController().signal,
      onValue: (s, n) => {
        seen.push([s, n]);
      },
    });
    expect(outcome).toEqual({ kind: 'settled', value: 'completed' });
    expect(seen).toEqual([
      ['pending', 1],
      ['running', 2],
      ['completed', 3],
    ]);
    expect(states.calls()).toBe(3);
  });

  it('gives up at the deadline with the last answer', async () => {
    const outcome = await poll({
      intervalMs: 1,
      deadlineMs: 20,
      read: async () => 'running',
      settled: () => false,
      signal: new AbortController().signal,
    });
    expect(outcome).toEqual({ kind: 'timedOut', last: 'running' });
  });

  it('stops waiting at once when the call is cancelled, even in a long interval', async () => {
    const abort = new AbortController();
    const started = Date.now();
    const outcome = await poll({
      intervalMs: 60_000,
      deadlineMs: 120_000,
      read: async () => 'running',
      settled: () => false,
      signal: abort.signal,
      onValue: () => abort.abort(),
    });
    expect(outcome).toEqual({ kind: 'cancelled', last: 'running' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('takes a read that fails because of the cancel as a cancel, not a failure', async () => {
    const abort = new AbortController();
    const outcome = await poll({
      ...base,
      read: async () => {
        abort.abort();
        throw new Error('socket closed by the cancel');
      },
      settled: () => false,
      signal: abort.signal,
    });
    expect(outcome.kind).toBe('cancelled');
  });

  it('ends on the first failed read unless told to bear more', async () => {
    const boom = new Error('502 from the gateway');
    const outcome = await poll({
      ...base,
      read: scripted<string>(['running', boom]).read,
      settled: () => false,
      signal: new AbortController().signal,
    });
    expect(outcome).toEqual({ kind: 'unreadable', error: boom, last: 'running' });
  });

  it('bears failed reads until N in a row; an answer in between starts the count again', async () => {
    const e = new Error('flaky');
    const flaky = scripted<string>([e, e, 'running', e, e, 'completed']);
    const settledAfterGaps = await poll({
      ...base,
      read: flaky.read,
      settled: (s) => s === 'completed',
      signal: new AbortController().signal,
      maxReadFailures: 3,
    });
    expect(settledAfterGaps).toEqual({ kind: 'settled', value: 'completed' });

    const broken = scripted<string>(['running', e, e, e, 'completed']);
    const outcome = await poll({
      ...base,
      read: broken.read,
      settled: (s) => s === 'completed',
      signal: new AbortController().signal,
      maxReadFailures: 3,
    });
    expect(outcome).toEqual({ kind: 'unreadable', error: e, last: 'running' });
    expect(broken.calls()).toBe(4);
  });
});

describe('pollUntilSettled', () => {
  const fail = {
    cancelled: () => new Error('caller: cancelled'),
    timedOut: () => new Error('caller: still running'),
  };

  it('returns the settled answer', async () => {
    const value = await pollUntilSettled(
      {
        ...base,
        read: scripted([1, 2, 3]).read,
        settled: (n) => n === 3,
        signal: new AbortController().signal,
      },
      fail,
    );
    expect(value).toBe(3);
  });

  it("throws the caller's errors for a cancel and a timeout, and a failed read's own error", async () => {
    const abort = new AbortController();
    abort.abort();
    const never = { read: async () => 0, settled: () => false };
    await expect(pollUntilSettled({ ...base, ...never, signal: abort.signal }, fail)).rejects.toThrow(
      'caller: cancelled',
    );
    await expect(
      pollUntilSettled(
        { ...never, intervalMs: 1, deadlineMs: 10, signal: new AbortController().signal },
        fail,
      ),
    ).rejects.toThrow('caller: still running');
    const gone = new Error('task not known on this node');
    await expect(
      pollUntilSettled(
        {
          ...base,
          read: scripted<number>([gone]).read,
          settled: () => true,
          signal: new AbortController().signal,
        },
        fail,
      ),
    ).rejects.toBe(gone);
  });
});
