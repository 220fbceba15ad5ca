// How much context the tool list costs an agent: characters and estimated tokens (chars/4) of
// tools/list, for `all` and for each toolset, as a 2026-07-28 client sees it and (default and
// all) as a 2025-11-25 client does.
import { TOOLSETS } from '../src/tools/toolsets.js';
import { type BenchResult, CLI, report } from './lib.js';
import { connectStdio, type Era } from './mcp.js';

export async function measure(toolsets: string, era: Era = 'modern') {
  const env = { ...process.env, OLARES_TOOLSETS: toolsets, OLARES_MCP_HOME: '/nonexistent-olares-mcp-bench' };
  const { client, close } = await connectStdio(process.execPath, [CLI], env, era);
  const { tools } = await client.listTools();
  await close();
  const sizes = tools.map((t) => ({ name: t.name, chars: JSON.stringify(t).length }));
  const chars = sizes.reduce((a, s) => a + s.chars, 0);
  const largest = sizes.sort((a, b) => b.chars - a.chars)[0];
  return { tools: tools.length, chars, tokens: Math.round(chars / 4), largest };
}

/** Budgets (test/tool-budget.test.ts holds the same): default-on toolsets, every toolset. */
export const BUDGET = { defaultTokens: 6000, allTokens: 9000, maxTools: 65 };

export async function benchToolSurface(): Promise<BenchResult> {
  const byDefault = await measure('');
  const all = await measure('all');
  const legacyDefault = await measure('', 'legacy');
  const legacyAll = await measure('all', 'legacy');
  const figures: Record<string, number | string> = {
    defaultTools: byDefault.tools,
    defaultTokens: byDefault.tokens,
    tools: all.tools,
    chars: all.chars,
    tokens: all.tokens,
    legacyDefaultTokens: legacyDefault.tokens,
    legacyTokens: legacyAll.tokens,
    largest: `${all.largest?.name}:${Math.round((all.largest?.chars ?? 0) / 4)}t`,
  };
  for (const set of TOOLSETS.filter((t) => !t.alwaysOn)) {
    const m = await measure(set.id);
    figures[`${set.id}Tokens`] = m.tokens;
  }
  return {
    name: 'tool-surface',
    figures,
    goal: `default <= ${BUDGET.defaultTokens} tokens, all <= ${BUDGET.allTokens}, <= ${BUDGET.maxTools} tools`,
    pass:
      Math.max(byDefault.tokens, legacyDefault.tokens) <= BUDGET.defaultTokens &&
      Math.max(all.tokens, legacyAll.tokens) <= BUDGET.allTokens &&
      all.tools <= BUDGET.maxTools,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) report(await benchToolSurface());
