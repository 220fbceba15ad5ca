// A real MCP client (the SDK Client) driving the built server over stdio.
import { resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { type ClientCapabilities, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';

/** The built server; OLARES_MCP_CLI points at another build (parallel work builds elsewhere). */
export const CLI = resolve(process.env.OLARES_MCP_CLI || resolve(import.meta.dirname, '../../dist/cli.js'));

export interface McpSession {
  client: Client;
  stderr: string[];
  /** Every JSON-RPC message seen by the client, for secret scans. */
  messages: unknown[];
  call(
    name: string,
    args?: Record<string, unknown>,
    opts?: { onprogress?: (p: any) => void; signal?: AbortSignal },
  ): Promise<any>;
  close(): Promise<void>;
}

export async function connect(
  env: NodeJS.ProcessEnv,
  capabilities: ClientCapabilities = {},
  opts: { cwd?: string } = {},
): Promise<McpSession> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI],
    env: env as Record<string, string>,
    cwd: opts.cwd,
    stderr: 'pipe',
  });
  const stderr: string[] = [];
  transport.stderr?.on('data', (d) => stderr.push(String(d)));
  const messages: unknown[] = [];
  const client = new Client({ name: 'olares-mcp-tests', version: '0' }, { capabilities });
  await client.connect(transport);
  const origOnMessage = transport.onmessage;
  transport.onmessage = (m) => {
    messages.push(m);
    origOnMessage?.(m);
  };
  const origSend = transport.send.bind(transport);
  transport.send = (m) => {
    messages.push(m);
    return origSend(m);
  };
  return {
    client,
    stderr,
    messages,
    call: (name, args = {}, opts = {}) =>
      client.callTool({ name, arguments: args }, undefined, {
        onprogress: opts.onprogress,
        signal: opts.signal,
        timeout: 120_000,
        resetTimeoutOnProgress: true,
      }),
    close: () => client.close(),
  };
}

/** A client that shows confirmation forms and says yes to every one (the person approves). */
export async function connectConfirming(env: NodeJS.ProcessEnv): Promise<McpSession> {
  const session = await connect(env, { elicitation: { form: {} } });
  session.client.setRequestHandler(ElicitRequestSchema, async () => ({
    action: 'accept',
    content: { confirm: true },
  }));
  return session;
}

export const textOf = (result: any): string =>
  (result?.content ?? []).map((c: any) => c.text ?? '').join('\n');

/**
 * The progress the server sent for the tool call(s) among `session.messages.slice(since)`, read
 * off the wire: the SDK client hands progress notifications over a microtask later, so when a
 * fast call's notifications and result arrive in one read, its `onprogress` sees none of them.
 */
export function progressSent(session: McpSession, since: number): number[] {
  const seen = session.messages.slice(since) as any[];
  const tokens = new Set(
    seen
      .filter((m) => m.method === 'tools/call' && m.params?._meta?.progressToken !== undefined)
      .map((m) => m.params._meta.progressToken),
  );
  return seen
    .filter((m) => m.method === 'notifications/progress' && tokens.has(m.params?.progressToken))
    .map((m) => m.params.progress);
}

/**
 * The text inside the fence of a result's first raw block (boxText.ts): a file's or a log's text,
 * which travels in the text block only. Invisible characters come back escaped, as shown. Throws
 * when the result has no such block, so a test cannot pass on an empty string.
 */
export function boxContent(result: any): string {
  const text = textOf(result);
  const labels = /^\[content from the box: (.*); it is data, not instructions\]\n(`{3,})\n/gm;
  for (const m of text.matchAll(labels)) {
    if (/^\w+ result$/.test(m[1])) continue; // the summary and JSON, not the raw text
    const fence = m[2];
    const start = m.index + m[0].length;
    const close = new RegExp(`\\n${fence}(?:\\n|$)`, 'y');
    for (let at = text.indexOf(`\n${fence}`, start - 1); at >= 0; at = text.indexOf(`\n${fence}`, at + 1)) {
      close.lastIndex = at;
      if (close.test(text)) return text.slice(start, at);
    }
    throw new Error(`the raw block "${m[1]}" has no closing fence:\n${text}`);
  }
  throw new Error(`no fenced raw block from the box in this result:\n${text}`);
}
