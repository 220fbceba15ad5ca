// Node's HTTP server in front of fetch-style routes, without the web-stream round trips of a
// generic adapter: a route gets a web Request carrying the headers only, and reads the body from
// the Node stream once, when it asks (after the caller is authenticated: no one unknown makes the
// server buffer 4 MiB). A JSON answer is written in one piece with its length; an event stream
// (SSE: progress, then the result) chunk by chunk, with backpressure.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BodyReader } from './front.js';
import { readNodeBody } from './guards.js';

export interface Exchange {
  /** Aborted when the caller goes away before the answer ended; the server may abort it (drain). */
  controller: AbortController;
  readBody: BodyReader;
}

export type ExchangeRoute = (request: Request, exchange: Exchange) => Promise<Response>;

const jsonRpcError = (status: number, message: string) =>
  Response.json({ jsonrpc: '2.0', error: { code: -32603, message }, id: null }, { status });

/** The request line and headers as a web Request (no body: see Exchange.readBody). */
function webRequest(req: IncomingMessage, signal: AbortSignal): Request {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
  return new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
    method: req.method,
    headers,
    signal,
  });
}

export function nodeListener(route: ExchangeRoute, onerror: (err: Error) => void) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const controller = new AbortController();
    let finished = false;
    res.once('close', () => {
      if (!finished) controller.abort();
    });
    const answer = async (): Promise<Response> => {
      let request: Request;
      try {
        request = webRequest(req, controller.signal);
      } catch {
        return jsonRpcError(400, 'the request line or its headers are not valid');
      }
      return route(request, { controller, readBody: () => readNodeBody(req) });
    };
    answer()
      .catch((err: Error) => {
        onerror(err);
        return jsonRpcError(500, 'Internal server error');
      })
      .then((response) =>
        writeResponse(response, res, controller.signal, () => {
          finished = true;
        }),
      )
      .catch((err: Error) => {
        onerror(err);
        res.destroy();
      });
  };
}

const isEventStream = (type: string | undefined) => /^\s*text\/event-stream\b/i.test(type ?? '');

async function writeResponse(
  response: Response,
  res: ServerResponse,
  signal: AbortSignal,
  finish: () => void,
): Promise<void> {
  const headers: Record<string, string> = {};
  for (const [name, value] of response.headers) headers[name] = value;
  if (!response.body || !isEventStream(headers['content-type'])) {
    const bytes = response.body ? Buffer.from(await response.arrayBuffer()) : undefined;
    if (bytes) headers['content-length'] = String(bytes.length);
    finish();
    res.writeHead(response.status, headers).end(bytes);
    return;
  }
  res.writeHead(response.status, headers);
  const reader = response.body.getReader();
  const stop = () => void reader.cancel().catch(() => {});
  signal.addEventListener('abort', stop, { once: true });
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      if (!res.write(next.value)) await drained(res, signal);
    }
  } catch {
    // The stream failed or was cancelled (caller gone, shutdown): end what was sent.
  } finally {
    signal.removeEventListener('abort', stop);
  }
  finish();
  res.end();
}

/** Until the socket takes more, or the exchange is aborted. */
function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.once('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
