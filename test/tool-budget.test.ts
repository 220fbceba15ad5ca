// Tool JSON is paid for in every agent's context: the served tools/list stays within budget for
// the default toolsets and for all of them (issue "Coverage" sets the numbers).
import { describe, expect, it } from 'vitest';
import { BUDGET, measure } from '../bench/tool-surface.js';

describe('tool surface budget', () => {
  it(`default toolsets within ${BUDGET.defaultTokens} tokens, all within ${BUDGET.allTokens}, at most ${BUDGET.maxTools} tools`, async () => {
    const byDefault = await measure('');
    const all = await measure('all');
    expect(byDefault.tokens).toBeGreaterThan(1000); // it measured a real list
    expect(byDefault.tokens).toBeLessThanOrEqual(BUDGET.defaultTokens);
    expect(all.tokens).toBeLessThanOrEqual(BUDGET.allTokens);
    expect(all.tools).toBeLessThanOrEqual(BUDGET.maxTools);
  });
});
