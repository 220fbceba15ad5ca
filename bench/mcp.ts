// SDK clients over stdio for benchmarks: the v2 Client pinned to 2026-07-28 (modern), or the v1
// Client speaking 2025-11-25 (legacy), so both eras are measured against the same servers.
import { Client as ModernClient } from '@modelcontextprotocol/client';
import { StdioClientTransport as ModernStdio } from '@modelcontextprotocol/client/stdio';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as LegacyStdio } from '@modelcontextprotocol/sdk/client/stdio.js';

export type Era = 'modern' | 'legacy';

export interface BenchClient {
  callTool(
    params: { name: string; arguments?: Record<string, unknown> },
    options?: { timeout?: number },
  ): Promise<any>;
  listTools(): Promise<{ tools: any[] }>;
}

export async function connectStdio(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  era: Era = 'modern',
) {
  const params = {
    command,
    args,
    env: env as Record<string, string>,
    stderr: process.env.BENCH_STDERR ? ('inherit' as const) : ('ignore' as const),
  };
  const info = { name: 'olares-mcp-bench', version: '0' };
  if (era === 'modern') {
    const transport = new ModernStdio(params);
    const client = new ModernClient(info, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(transport);
    return { client: client as unknown as BenchClient, pid: transport.pid, close: () => client.close() };
  }
  const transport = new LegacyStdio(params);
  const client = new LegacyClient(info);
  await client.connect(transport);
  const legacy: BenchClient = {
    callTool: (p, options) => client.callTool(p, undefined, options),
    listTools: () => client.listTools(),
  };
  return { client: legacy, pid: transport.pid, close: () => client.close() };
}
