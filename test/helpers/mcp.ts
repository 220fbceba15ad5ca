// A real MCP client driving the built server over stdio, in either protocol era: the v2 SDK
// Client pinned to 2026-07-28 (the default), or the v1 SDK Client speaking 2025-11-25
// (OLARES_TEST_ERA=legacy, or `era` per connection). Tests answer the server's questions through
// onElicit/onRoots, which work the same in both eras (pushed requests in 2025, input_required
// rounds the client fulfils in 2026).
import { resolve } from 'node:path';
import { Client as ModernClient } from '@modelcontextprotocol/client';
import { StdioClientTransport as ModernStdio } from '@modelcontextprotocol/client/stdio';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as LegacyStdio } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ElicitRequestSchema, ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

/** The built server; OLARES_MCP_CLI points at another build (parallel work builds elsewhere). */
export const CLI = resolve(process.env.OLARES_MCP_CLI || resolve(import.meta.dirname, '../../dist/cli.js'));

export type Era = 'modern' | 'legacy';
/** The era this run's e2e suites speak (CI runs them in both). */
export const ERA: Era = process.env.OLARES_TEST_ERA === 'legacy' ? 'legacy' : 'modern';

export type ClientCapabilities = Record<string, any>;
export type ElicitParams = {
  mode?: string;
  message: string;
  url?: string;
  requestedSchema?: any;
  [k: string]: any;
};
export type ElicitAnswer = { action: 'accept' | 'decline' | 'cancel'; content?: Record<string, unknown> };

export interface McpSession {
  client: any;
  era: Era;
  stderr: string[];
  /** Every JSON-RPC message seen by the client, for secret scans. */
  messages: unknown[];
  call(
    name: string,
    args?: Record<string, unknown>,
    opts?: { onprogress?: (p: any) => void; signal?: AbortSignal },
  ): Promise<any>;
  /** How this client answers the server's forms and URL requests. */
  onElicit(answer: (params: ElicitParams) => ElicitAnswer | Promise<ElicitAnswer>): void;
  /** How this client answers roots/list. */
  onRoots(
    answer: () => { roots: { uri: string; name?: string }[] } | Promise<{ roots: { uri: string }[] }>,
  ): void;
  listTools(): Promise<any[]>;
  close(): Promise<void>;
}

export async function connect(
  env: NodeJS.ProcessEnv,
  capabilities: ClientCapabilities = {},
  opts: { cwd?: string; era?: Era } = {},
): Promise<McpSession> {
  const era = opts.era ?? ERA;
  const params = {
    command: process.execPath,
    args: [CLI],
    env: env as Record<string, string>,
    cwd: opts.cwd,
    stderr: 'pipe' as const,
  };
  const transport: any = era === 'modern' ? new ModernStdio(params) : new LegacyStdio(params);
  const stderr: string[] = [];
  transport.stderr?.on('data', (d: unknown) => stderr.push(String(d)));
  const messages: unknown[] = [];
  const info = { name: 'olares-mcp-tests', version: '0' };
  const client: any =
    era === 'modern'
      ? new ModernClient(info, { capabilities, versionNegotiation: { mode: { pin: '2026-07-28' } } })
      : new LegacyClient(info, { capabilities });
  await client.connect(transport);
  const origOnMessage = transport.onmessage;
  transport.onmessage = (m: unknown, extra?: unknown) => {
    messages.push(m);
    origOnMessage?.(m, extra);
  };
  const origSend = transport.send.bind(transport);
  transport.send = (m: unknown, o?: unknown) => {
    messages.push(m);
    return origSend(m, o);
  };
  const setHandler = (method: 'elicitation/create' | 'roots/list', handler: (params: any) => any) => {
    if (era === 'modern') client.setRequestHandler(method, (req: any) => handler(req.params));
    else
      client.setRequestHandler(
        method === 'roots/list' ? ListRootsRequestSchema : ElicitRequestSchema,
        (req: any) => handler(req.params),
      );
  };
  return {
    client,
    era,
    stderr,
    messages,
    call: (name, args = {}, callOpts = {}) => {
      const options = {
        onprogress: callOpts.onprogress,
        signal: callOpts.signal,
        timeout: 120_000,
        resetTimeoutOnProgress: true,
      };
      return era === 'modern'
        ? client.callTool({ name, arguments: args }, options)
        : client.callTool({ name, arguments: args }, undefined, options);
    },
    onElicit: (answer) => setHandler('elicitation/create', answer),
    onRoots: (answer) => setHandler('roots/list', answer),
    listTools: async () => (await client.listTools()).tools,
    close: () => client.close(),
  };
}

/** A client that shows confirmation forms and says yes to every one (the person approves). */
export async function connectConfirming(
  env: NodeJS.ProcessEnv,
  opts: { era?: Era } = {},
): Promise<McpSession> {
  const session = await connect(env, { elicitation: { form: {} } }, opts);
  session.onElicit(() => ({ action: 'accept', content: { confirm: true } }));
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
