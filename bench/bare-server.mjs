// The baseline for the startup and call-overhead benchmarks: a bare v2 SDK server with one tool,
// served by serveStdio (both protocol eras), loaded unbundled from node_modules the way most MCP
// servers ship.
import { McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { z } from 'zod';

serveStdio(() => {
  const server = new McpServer({ name: 'bare', version: '0.0.0' });
  server.registerTool(
    'echo',
    {
      description: 'Echo',
      inputSchema: z.object({ text: z.string() }),
      outputSchema: z.object({ text: z.string() }),
    },
    async ({ text }) => ({ content: [{ type: 'text', text }], structuredContent: { text } }),
  );
  return server;
});
