// One way to wait on work the box runs on its own (a paste task, a cloud upload's finish, an app
// install): ask until the answer settles, at an interval, up to a deadline, stopping at once when
// the call is cancelled. Callers tell a finished answer from a failed one; the poller only knows
// when to stop asking.

export type PollOutcome<T> =
  | { kind: 'settled'; value: T }
  | { kind: 'cancelled'; last?: T }
  | { kind: 'timedOut'; last?: T }
  | { kind: 'unreadable'; error: unknown; last?: T };

export interface PollSpec<T> {
  /** Asks for the current state once. */
  read: () => Promise<T>;
  /** Whether an answer is final, done or failed alike. */
  settled: (value: T) => boolean;
  intervalMs: number;
  /** How long to keep asking, counted from the start of the wait. */
  deadlineMs: number;
  signal: AbortSignal;
  /** Sees every answer before it is judged; `poll` counts reads from 1 (progress, state logs). */
  onValue?: (value: T, poll: number) => void | Promise<void>;
  /** Failed reads in a row that end the wait (default 1: the first failure ends it). */
  maxReadFailures?: number;
}

/** Reads until `settled` says so; every other ending is an outcome, never a throw. */
export async function poll<T>(spec: PollSpec<T>): Promise<PollOutcome<T>> {
  const started = Date.now();
  const maxFailures = spec.maxReadFailures ?? 1;
  let last: T | undefined;
  let failures = 0;
  for (let n = 1; ; n++) {
    if (spec.signal.aborted) return { kind: 'cancelled', last };
    const answer = await readOnce(spec.read);
    if ('error' in answer) {
      if (spec.signal.aborted) return { kind: 'cancelled', last };
      if (++failures >= maxFailures) return { kind: 'unreadable', error: answer.error, last };
    } else {
      failures = 0;
      last = answer.value;
      await spec.onValue?.(answer.value, n);
      if (spec.settled(answer.value)) return { kind: 'settled', value: answer.value };
    }
    if (Date.now() - started >= spec.deadlineMs) return { kind: 'timedOut', last };
    await sleep(spec.intervalMs, spec.signal);
  }
}

/** What a caller that cannot go on without the final answer throws instead of an outcome. */
export interface PollFailures {
  cancelled: () => Error;
  timedOut: () => Error;
}

/** The settled answer; a cancel or a timeout throws the caller's error, a failed read its own. */
export async function pollUntilSettled<T>(spec: PollSpec<T>, fail: PollFailures): Promise<T> {
  const outcome = await poll(spec);
  switch (outcome.kind) {
    case 'settled':
      return outcome.value;
    case 'cancelled':
      throw fail.cancelled();
    case 'timedOut':
      throw fail.timedOut();
    case 'unreadable':
      throw outcome.error;
  }
}

async function readOnce<T>(read: () => Promise<T>): Promise<{ value: T } | { error: unknown }> {
  try {
    return { value: await read() };
  } catch (error) {
    return { error };
  }
}

/** Resolves after ms, or at once when the call is cancelled. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
