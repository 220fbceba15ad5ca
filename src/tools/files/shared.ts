// What the files tools share: the argument and entry schemas, byte counts for people, the stat
// that refuses a missing path, the retry of transient transfer failures, the wait on a server task.
import { z } from 'zod';
import { OlaresMcpError } from '../../errors.js';
import {
  type Entry,
  type FilesClient,
  RemoteNotFoundError,
  type RemotePath,
  type TaskStatus,
} from '../../olares/files/index.js';
import type { ToolContext } from '../context.js';
import { type PollFailures, pollUntilSettled } from '../poll.js';

export const remotePathArg = z.string();
export const entrySchema = z.object({
  name: z.string(),
  isDir: z.boolean(),
  size: z.number(),
  modified: z.string().optional(),
  type: z.string().optional(),
});

const MAX_TRANSFER_ATTEMPTS = 4;

export function humanBytes(n: number) {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export async function statOrThrow(files: FilesClient, p: RemotePath, signal: AbortSignal): Promise<Entry> {
  const entry = await files.stat(p, signal);
  if (!entry) throw new RemoteNotFoundError(p.display, 'does not exist on the server');
  return entry;
}

/** Retries transient failures (dropped connections, 5xx) a few times; the rest fail at once. */
export async function withRetries<T>(
  what: string,
  signal: AbortSignal,
  fn: (attempt: number) => Promise<T>,
): Promise<T> {
  let last: unknown;
  for (let attempt = 1; attempt <= MAX_TRANSFER_ATTEMPTS; attempt++) {
    if (signal.aborted) throw new OlaresMcpError(`${what} was cancelled`, { code: 'cancelled' });
    try {
      return await fn(attempt);
    } catch (err) {
      last = err;
      // A body that breaks off mid-stream surfaces as undici's SocketError, not a mapped error.
      const code = (err as NodeJS.ErrnoException)?.code ?? '';
      const retryable =
        err instanceof OlaresMcpError
          ? err.retryable
          : /UND_ERR_SOCKET|ECONNRESET|EPIPE|UND_ERR_BODY_TIMEOUT/.test(code) ||
            /other side closed|terminated/i.test(String((err as Error)?.message));
      if (!retryable || signal.aborted) throw err;
      await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** (attempt - 1), 2000)));
    }
  }
  throw new OlaresMcpError(
    `${what}: gave up after ${MAX_TRANSFER_ATTEMPTS} attempts: ${(last as Error)?.message ?? last}`,
    {
      code: 'transport',
      retryable: true,
    },
  );
}

/** How often a server-side task (a paste, a cloud upload's finish) is asked about, and for how long. */
const TASK_POLL_MS = 200;
const TASK_CAP_MS = 10 * 60_000;
const TASK_FINISHED = new Set<TaskStatus['status']>(['completed', 'failed', 'canceled']);

/** The last answer of a files task: completed, failed or cancelled on the server. */
export function waitForTask(
  files: FilesClient,
  node: string,
  taskId: string,
  ctx: ToolContext,
  fail: PollFailures,
  onValue?: (status: TaskStatus, poll: number) => void | Promise<void>,
): Promise<TaskStatus> {
  return pollUntilSettled(
    {
      read: () => files.task(node, taskId, ctx.signal),
      settled: (t) => TASK_FINISHED.has(t.status),
      intervalMs: TASK_POLL_MS,
      deadlineMs: TASK_CAP_MS,
      signal: ctx.signal,
      onValue,
    },
    fail,
  );
}
