// Buffers for whole small bodies: an upload chunk read in one go, a small download taken whole.
// Lent per transfer and taken back, so a folder of thousands of small files allocates (and, on
// a VM, faults in) a handful of buffers rather than one per file. Each is sized to the body's
// power-of-two class from 64 KiB to 1 MiB, not to the largest: 1 MiB each, a folder whose files
// average 150 KiB kept 16 MiB resident for uploads and downloads (bench/transfer-files.ts: peak
// RSS 136-137 MiB with classes, 140-142 without).

const MIN_CLASS_BYTES = 64 * 1024;
/** The largest body lent; bigger ones stream (transport/upload.ts, download.ts). */
export const MAX_LENT_BYTES = 1024 * 1024;
/** Idle buffers kept, all classes together: enough for the next files of a running transfer. */
const MAX_IDLE_BYTES = 8 * 1024 * 1024;

const idle = new Map<number, Buffer[]>();
let idleBytes = 0;
/** Buffers out on loan: a second return of one would lend it to two transfers at once. */
const onLoan = new WeakSet<Buffer>();

function classOf(bytes: number): number {
  let size = MIN_CLASS_BYTES;
  while (size < bytes) size *= 2;
  return size;
}

/** A buffer of at least `bytes` (at most MAX_LENT_BYTES); give it back with `returnBody` once nothing uses it. */
export function lendBody(bytes: number): Buffer {
  if (bytes > MAX_LENT_BYTES)
    throw new RangeError(`a lent body holds at most ${MAX_LENT_BYTES} bytes, not ${bytes}`);
  const size = classOf(bytes);
  const kept = idle.get(size)?.pop();
  if (kept) idleBytes -= size;
  const buffer = kept ?? Buffer.allocUnsafe(size);
  onLoan.add(buffer);
  return buffer;
}

/** Takes back a buffer from `lendBody`; the caller must not touch it afterwards. */
export function returnBody(buffer: Buffer) {
  if (!onLoan.delete(buffer)) return; // not lent, or back already
  const size = buffer.length;
  if (idleBytes + size > MAX_IDLE_BYTES) return;
  const list = idle.get(size) ?? [];
  list.push(buffer);
  idle.set(size, list);
  idleBytes += size;
}

/** For tests: how many bytes of idle buffers are kept. */
export const idleBodyBytes = () => idleBytes;
