// The per-profile cache of box facts (src/olares/boxFacts.ts) on a fake clock.
import { describe, expect, it } from 'vitest';
import { BOX_FACT_TTL_MS, boxFactsFor, FactCache } from '../src/olares/boxFacts.js';

function fakeClock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** A loader that counts its calls and answers `v<n>`. */
function counting() {
  let calls = 0;
  return {
    load: async () => `v${++calls}`,
    get calls() {
      return calls;
    },
  };
}

describe('FactCache', () => {
  it('answers from memory within the TTL and reads again after it', async () => {
    const clock = fakeClock();
    const cache = new FactCache<string>(BOX_FACT_TTL_MS, clock.now);
    const src = counting();
    expect(await cache.get('alice@olares.com', src.load)).toBe('v1');
    clock.advance(BOX_FACT_TTL_MS - 1);
    expect(await cache.get('alice@olares.com', src.load)).toBe('v1');
    expect(src.calls).toBe(1);
    clock.advance(1);
    expect(await cache.get('alice@olares.com', src.load)).toBe('v2');
    expect(src.calls).toBe(2);
  });

  it('keeps one entry per profile', async () => {
    const cache = new FactCache<string>(BOX_FACT_TTL_MS, fakeClock().now);
    expect(await cache.get('alice@olares.com', async () => '1.12.5')).toBe('1.12.5');
    expect(await cache.get('bob@olares.com', async () => '1.12.6')).toBe('1.12.6');
    expect(await cache.get('alice@olares.com', async () => 'unused')).toBe('1.12.5');
  });

  it('shares one read between concurrent callers', async () => {
    const cache = new FactCache<string>(BOX_FACT_TTL_MS, fakeClock().now);
    const src = counting();
    const both = await Promise.all([cache.get('a', src.load), cache.get('a', src.load)]);
    expect(both).toEqual(['v1', 'v1']);
    expect(src.calls).toBe(1);
  });

  it('never keeps a failed read', async () => {
    const cache = new FactCache<string>(BOX_FACT_TTL_MS, fakeClock().now);
    await expect(cache.get('a', async () => Promise.reject(new Error('desktop down')))).rejects.toThrow(
      'desktop down',
    );
    expect(await cache.get('a', async () => '1.12.6')).toBe('1.12.6');
  });

  it('forget drops only that profile, at once', async () => {
    const cache = new FactCache<string>(BOX_FACT_TTL_MS, fakeClock().now);
    const src = counting();
    await cache.get('a', src.load);
    await cache.get('b', async () => 'b1');
    cache.forget('a');
    expect(await cache.get('a', src.load)).toBe('v2');
    expect(await cache.get('b', async () => 'unused')).toBe('b1');
  });
});

describe('boxFactsFor', () => {
  it('gives one set of facts per owner, never shared between owners', async () => {
    const first = {};
    const second = {};
    expect(boxFactsFor(first)).toBe(boxFactsFor(first));
    await boxFactsFor(first).version.get('a', async () => '1.12.5');
    expect(await boxFactsFor(second).version.get('a', async () => '1.12.6')).toBe('1.12.6');
  });
});
