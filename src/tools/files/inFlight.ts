// How many files a folder transfer moves at once (tools/files/transfers.ts): a bounded worker
// pool over the files, and within it a smaller limit for large files.

/**
 * Files in flight at once: enough to hide per-request latency, few enough for a small box. 16
 * measured no faster on 2 cores against the simulator (bench/transfer-files.ts, within its
 * run-to-run spread) and held ~20 MiB more at peak.
 */
export const TRANSFER_CONCURRENCY = 8;
/**
 * Files of 1 MiB or more in flight at once, within the above: a few fill the link, and each
 * uploading one holds 2 MiB of read buffers (transport/upload.ts). A folder of 24 x 8 MiB went
 * up and down as fast with 4 as with 8, at up to 20 MiB less peak RSS.
 */
export const LARGE_AT_ONCE = 4;

/** At most `limit` holders at once; `take` resolves with the release. */
export class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(limit: number) {
    this.free = limit;
  }

  async take(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((wake) => this.waiting.push(wake));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    };
  }
}

/** Runs `fn` in one of `slots` when `large`, else at once. */
export async function inSlot<T>(slots: Slots, large: boolean, fn: () => Promise<T>): Promise<T> {
  if (!large) return fn();
  const release = await slots.take();
  try {
    return await fn();
  } finally {
    release();
  }
}

/**
 * Runs `fn` over `items`, at most `limit` at once. The first failure stops new starts; the
 * running ones end (a download still lands whole or is removed) before it is rethrown.
 */
export async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.err;
}
