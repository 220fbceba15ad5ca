// How much context the tool list costs an agent: characters and estimated tokens (chars/4) of
// tools/list, for `all` and for each toolset.
import { type BenchResult, CLI, report } from './lib.js';
import { connectStdio } from './mcp.js';

async function measure(toolsets: string) {
  const env = { ...process.env, OLARES_TOOLSETS: toolsets, OLARES_MCP_HOME: '/nonexistent-olares-mcp-bench' };
  const { client, close } = await connectStdio(process.execPath, [CLI], env);
  const { tools } = await client.listTools();
  await close();
  const sizes = tools.map((t) => ({ name: t.name, chars: JSON.stringify(t).length }));
  const chars = sizes.reduce((a, s) => a + s.chars, 0);
  const largest = sizes.sort((a, b) => b.chars - a.chars)[0];
  return { tools: tools.length, chars, tokens: Math.round(chars / 4), largest };
}

export async function benchToolSurface(): Promise<BenchResult> {
  const all = await measure('all');
  const figures: Record<string, number | string> = {
    tools: all.tools,
    chars: all.chars,
    tokens: all.tokens,
    largest: `${all.largest?.name}:${Math.round((all.largest?.chars ?? 0) / 4)}t`,
  };
  for (const set of ['files', 'market', 'cluster', 'dashboard']) {
    const m = await measure(set);
    figures[`${set}Tokens`] = m.tokens;
  }
  return { name: 'tool-surface', figures, goal: 'all <= 6000 tokens', pass: all.tokens <= 6000 };
}

if (import.meta.url === `file://${process.argv[1]}`) report(await benchToolSurface());
