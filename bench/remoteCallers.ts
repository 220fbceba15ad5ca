// Light MCP callers for the remote bench: a 2026-07-28 tools/call is one stateless request (no
// handshake, no session), so a caller needs no SDK client to make it. Each call sends the same
// prepared message with its own id and checks the answer is that call's complete, successful
// result, run as the expected user: nothing is counted that the server did not really answer.
// The SDK client does the same work with a schema-validated, promise-heavy path that costs more
// CPU per call than the replica it measures; on a shared 2-core machine that caller, not the
// server, would set the pace.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Pool } from 'undici';

const PROTOCOL = '2026-07-28';

export interface ToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

export interface Caller {
  /** One verified tools/call; rejects with the reason when the answer is not a success. */
  call(): Promise<void>;
  close(): Promise<void>;
}

/** The message with `"id":` last, so a call appends its id and the closing brace. */
function preparedPrefix(tool: ToolCall): string {
  const message = {
    jsonrpc: '2.0',
    method: 'tools/call',
    params: {
      ...tool,
      _meta: {
        'io.modelcontextprotocol/protocolVersion': PROTOCOL,
        'io.modelcontextprotocol/clientInfo': { name: 'olares-mcp-bench', version: '0' },
        'io.modelcontextprotocol/clientCapabilities': {},
      },
    },
  };
  return `${JSON.stringify(message).slice(0, -1)},"id":`;
}

/** Throws unless `answer` is the successful, non-empty listing of call `id`, run as `ranAs`. */
export function checkAnswer(answer: unknown, id: number, ranAs: string): void {
  const a = answer as {
    id?: unknown;
    error?: { message?: string };
    result?: {
      isError?: boolean;
      resultType?: string;
      structuredContent?: { ranAs?: unknown; items?: unknown };
    };
  };
  if (a?.id !== id) throw new Error(`answer for id ${JSON.stringify(a?.id)}, expected ${id}`);
  if (a.error) throw new Error(`JSON-RPC error: ${a.error.message}`);
  const result = a.result;
  if (!result || result.isError || result.resultType !== 'complete')
    throw new Error(`the call did not succeed: ${JSON.stringify(result).slice(0, 300)}`);
  const structured = result.structuredContent;
  if (structured?.ranAs !== ranAs)
    throw new Error(`ran as ${JSON.stringify(structured?.ranAs)}, expected ${ranAs}`);
  if (!Array.isArray(structured.items) || structured.items.length === 0)
    throw new Error('the listing has no items');
}

/**
 * POSTs to a Streamable HTTP endpoint over `connections` kept-alive connections (undici), with
 * the headers the 2026-07-28 transport requires. A JSON answer is parsed once; an SSE answer
 * (the server may stream) is read for its last `data:` line.
 */
export function httpCaller(
  endpoint: string,
  token: string,
  tool: ToolCall,
  ranAs: string,
  connections: number,
): Caller {
  const url = new URL(endpoint);
  const pool = new Pool(url.origin, { connections, pipelining: 1 });
  const headers = {
    accept: 'application/json, text/event-stream',
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    'mcp-method': 'tools/call',
    'mcp-name': tool.name,
    'mcp-protocol-version': PROTOCOL,
  };
  const prefix = preparedPrefix(tool);
  let nextId = 0;
  return {
    async call() {
      const id = nextId++;
      const {
        statusCode,
        headers: got,
        body,
      } = await pool.request({
        path: url.pathname,
        method: 'POST',
        headers,
        body: `${prefix}${id}}`,
      });
      const text = await body.text();
      if (statusCode !== 200) throw new Error(`HTTP ${statusCode}: ${text.slice(0, 300)}`);
      const sse = String(got['content-type']).startsWith('text/event-stream');
      const json = sse ? lastSseData(text) : text;
      checkAnswer(JSON.parse(json), id, ranAs);
    },
    close: () => pool.close(),
  };
}

function lastSseData(text: string): string {
  const lines = text.split('\n').filter((l) => l.startsWith('data:'));
  return lines.at(-1)?.slice(5).trim() ?? '';
}

/** The stdio server as a child process, driven with newline-delimited JSON-RPC messages. */
export function stdioCaller(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  tool: ToolCall,
  ranAs: string,
): Caller & { pid?: number } {
  const child: ChildProcess = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'ignore'] });
  const waiting = new Map<number, (answer: unknown) => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const answer = JSON.parse(line) as { id?: number };
    if (typeof answer.id !== 'number') return;
    waiting.get(answer.id)?.(answer);
    waiting.delete(answer.id);
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      for (const settle of waiting.values())
        settle({ error: { message: `the server exited (${code ?? signal})` } });
      resolve();
    }),
  );
  const prefix = preparedPrefix(tool);
  let nextId = 0;
  return {
    pid: child.pid,
    async call() {
      const id = nextId++;
      const answer = await new Promise<unknown>((resolve, reject) => {
        waiting.set(id, resolve);
        child.stdin!.write(`${prefix}${id}}\n`, (err) => err && reject(err));
      });
      checkAnswer({ id, ...(answer as object) }, id, ranAs);
    },
    async close() {
      child.stdin!.end();
      await exited;
    },
  };
}
