// One meaning per word across the tool surface (issue "Agent fitness" item 6): the server
// instructions define market app, app space, namespace and workload, and every title and
// description an agent reads uses them that way; every parameter says in a few words what it is;
// the listed schemas carry nothing an agent cannot use.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOLSETS } from '../src/tools/toolsets.js';
import { connect, type McpSession } from './helpers/mcp.js';

/** Every text of a listed tool an agent reads: title, description, each parameter's words. */
function textsOf(tool: any): string[] {
  const params = Object.values<any>(tool.inputSchema?.properties ?? {}).map((p) => p.description ?? '');
  return [tool.title ?? '', tool.description, ...params];
}

/** The misuses of the glossary's words in one text of one tool; empty when it reads right. */
function wordProblems(toolName: string, text: string): string[] {
  const problems: string[] = [];
  const inMarket = toolName.startsWith('market_');
  if (/\bapplications?\b/i.test(text)) problems.push('says "application": the glossary word is app');
  // A label key (app=web) is not the word.
  for (const m of text.matchAll(/\b(\w+ )?apps?\b(?!=)( \w+)?/gi)) {
    const [whole, before = '', after = ''] = m;
    const qualified = /^market $/i.test(before) || /^ spaces?$/i.test(after);
    if (inMarket && /^ spaces?$/i.test(after)) problems.push(`"${whole.trim()}" in a market tool`);
    if (!inMarket && !qualified) problems.push(`bare "${whole.trim()}": say market app or app space`);
  }
  for (const m of text.matchAll(/\b(\w+ )?spaces?\b/gi))
    if (!/^app $/i.test(m[1] ?? '')) problems.push(`"${m[0]}": the only space is an app space`);
  if (
    /\bworkloads?\b/i.test(text) &&
    !toolName.startsWith('cluster_') &&
    !['(toolset cluster)', '(toolset workloads)'].includes(toolName)
  )
    problems.push('"workload" outside the cluster tools');
  return problems;
}

describe('words and schemas of the tool surface', () => {
  let mcp: McpSession;
  let tools: any[];
  let instructions: string;

  beforeAll(async () => {
    mcp = await connect({
      PATH: process.env.PATH,
      OLARES_MCP_HOME: '/nonexistent-olares-mcp-test',
      OLARES_TOOLSETS: 'all',
    });
    tools = await mcp.listTools();
    instructions = mcp.client.getInstructions() ?? '';
  });
  afterAll(() => mcp?.close());

  it('the server instructions define each glossary word once', () => {
    for (const word of ['market app', 'namespace', 'app space', 'workload'])
      expect(instructions.match(new RegExp(`^- ${word}: `, 'gm')), word).toHaveLength(1);
  });

  it('the check catches each kind of misuse (it can fail)', () => {
    expect(wordProblems('cluster_apps', 'Application spaces of each user')).toHaveLength(2);
    expect(wordProblems('dashboard_overview', 'Top N apps in the ranking')).toEqual([
      'bare "N apps in": say market app or app space',
    ]);
    expect(wordProblems('market_get', 'the app space of an app')).toEqual([
      '"the app space" in a market tool',
    ]);
    expect(wordProblems('files_ls', 'its workloads')).toEqual(['"workload" outside the cluster tools']);
    expect(wordProblems('cluster_pods', 'e.g. app=web; market apps; app spaces')).toEqual([]);
  });

  it('every title, description and parameter uses the words as the glossary does', () => {
    const problems = tools.flatMap((t) =>
      textsOf(t).flatMap((x) => wordProblems(t.name, x).map((p) => `${t.name}: ${p}`)),
    );
    const sets = TOOLSETS.flatMap((s) =>
      wordProblems(`(toolset ${s.id})`, s.description).map((p) => `toolset ${s.id}: ${p}`),
    );
    expect([...problems, ...sets]).toEqual([]);
  });

  it('every parameter is described in a few words, profile too', () => {
    const bare: string[] = [];
    const long: string[] = [];
    for (const t of tools)
      for (const [name, p] of Object.entries<any>(t.inputSchema?.properties ?? {})) {
        if (!p.description) bare.push(`${t.name}.${name}`);
        else if (p.description.length > 80) long.push(`${t.name}.${name}: ${p.description.length} chars`);
      }
    expect(bare).toEqual([]);
    expect(long).toEqual([]);
    expect(tools.every((t) => t.inputSchema.properties.profile?.description)).toBe(true);
  });

  it('listed schemas carry no duplicate title, additionalProperties or silent bounds', () => {
    const json = JSON.stringify(tools.map((t) => t.inputSchema));
    expect(json).not.toMatch(
      /"(additionalProperties":false|\$schema|minLength|maxLength|maximum|maxItems|title)"/,
    );
    expect(json).not.toMatch(/"minimum":[01]\b/);
    expect(tools.filter((t) => t.annotations?.title).map((t) => t.name)).toEqual([]);
    // The server is titled Olares; tool titles do not repeat it (files_* titles belong to another change).
    const repeating = tools.filter((t) => !t.name.startsWith('files_') && /\bOlares\b/.test(t.title));
    expect(repeating.map((t) => t.name)).toEqual(['profile_login']);
  });
});
