// What bounds a folder transfer's memory: small bodies in buffers lent by size class and taken
// back (transport/bodyBuffers.ts), and at most a few large files in flight (tools/files/inFlight.ts).
import { describe, expect, it } from 'vitest';
import { Slots } from '../src/tools/files/inFlight.js';
import { idleBodyBytes, lendBody, MAX_LENT_BYTES, returnBody } from '../src/transport/bodyBuffers.js';

const KiB = 1024;

describe('lent body buffers', () => {
  it('are sized to the power-of-two class of the body, from 64 KiB, and reused once back', () => {
    expect(lendBody(1).length).toBe(64 * KiB);
    expect(lendBody(64 * KiB).length).toBe(64 * KiB);
    expect(lendBody(64 * KiB + 1).length).toBe(128 * KiB);
    expect(lendBody(700 * KiB).length).toBe(1024 * KiB);
    const first = lendBody(200 * KiB);
    expect(first.length).toBe(256 * KiB);
    returnBody(first);
    expect(lendBody(130 * KiB)).toBe(first); // same class: the very buffer comes back
    returnBody(first);
    expect(lendBody(100 * KiB)).not.toBe(first); // another class: a buffer of its own
  });

  it('refuse bodies over 1 MiB and keep at most 8 MiB idle', () => {
    expect(() => lendBody(MAX_LENT_BYTES + 1)).toThrow(RangeError);
    const lent = Array.from({ length: 12 }, () => lendBody(MAX_LENT_BYTES));
    const before = idleBodyBytes();
    for (const b of lent) returnBody(b);
    expect(idleBodyBytes()).toBeLessThanOrEqual(8 * 1024 * KiB);
    expect(idleBodyBytes()).toBeGreaterThan(before);
    returnBody(Buffer.alloc(100 * KiB)); // not a class size: never kept
    expect(idleBodyBytes()).toBeLessThanOrEqual(8 * 1024 * KiB);
  });

  it('take back a buffer once: a second return never lends it to two transfers', () => {
    const one = lendBody(300 * KiB);
    returnBody(one);
    returnBody(one);
    const a = lendBody(300 * KiB);
    const b = lendBody(300 * KiB);
    expect(a).toBe(one);
    expect(b).not.toBe(one);
    const stranger = Buffer.allocUnsafe(512 * KiB); // a class size, but never lent
    returnBody(stranger);
    expect(lendBody(300 * KiB)).not.toBe(stranger);
  });
});

describe('Slots', () => {
  it('lets at most its limit run at once, and every waiter in turn', async () => {
    const slots = new Slots(2);
    let running = 0;
    let most = 0;
    const done: number[] = [];
    await Promise.all(
      Array.from({ length: 7 }, async (_, i) => {
        const release = await slots.take();
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 5 + (i % 3)));
        running--;
        done.push(i);
        release();
        release(); // a second release frees nothing more
      }),
    );
    expect(most).toBe(2);
    expect(done.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const a = await slots.take();
    const b = await slots.take();
    let third = false;
    const c = slots.take().then((r) => {
      third = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(third).toBe(false);
    a();
    (await c)();
    b();
    expect(third).toBe(true);
  });
});
