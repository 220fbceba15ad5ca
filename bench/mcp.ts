// SDK client over stdio for benchmarks.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

export async function connectStdio(command: string, args: string[], env: NodeJS.ProcessEnv) {
  const transport = new StdioClientTransport({
    command,
    args,
    env: env as Record<string, string>,
    stderr: process.env.BENCH_STDERR ? 'inherit' : 'ignore',
  });
  const client = new Client({ name: 'olares-mcp-bench', version: '0' });
  await client.connect(transport);
  return { client, pid: transport.pid, close: () => client.close() };
}
