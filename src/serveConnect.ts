// The connect listener of `serve --http --connect-port P`: only `/connect/<id>` pages (and a
// health probe), apart from the MCP endpoint, so that on a box only the private entrance (the
// box's own login in front) reaches it. Host and Origin are checked as on the MCP listener; the
// allowed name is OLARES_MCP_CONNECT_URL's, or loopback's when listening there.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { connectPageHandler } from './auth/connectPage.js';
import type { AuthContext } from './auth/index.js';
import { isLoopbackHost } from './config.js';
import { hostAndOriginRefusal, RemoteSetupError } from './remote/index.js';

/** The forms on the page are small; anything larger is refused before it is read. */
const MAX_CONNECT_BODY_BYTES = 16 * 1024;

export interface ConnectListener {
  /** What profile_login's links start with: OLARES_MCP_CONNECT_URL, or this listener on loopback. */
  base: string;
  serve(auth: AuthContext): void;
  close(): void;
}

const bracketed = (host: string) => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

/**
 * Without OLARES_MCP_CONNECT_URL the link can only be this listener's own address, which is right
 * on loopback alone: off loopback, the address people reach (the gateway's) is not ours to guess.
 */
function connectBase(host: string, port: number, configured: string | undefined): string {
  if (configured) return configured;
  if (!isLoopbackHost(bracketed(host)))
    throw new RemoteSetupError(
      `--connect-port on ${host} needs the address people open the connect page at`,
      'set OLARES_MCP_CONNECT_URL (e.g. https://connect.alice.olares.com, the private entrance)',
    );
  return `http://${bracketed(host)}:${port}`;
}

export async function listenConnect(
  host: string,
  port: number,
  configured: string | undefined,
): Promise<ConnectListener> {
  const server: HttpServer = createServer();
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  let base: string;
  try {
    base = connectBase(host, bound, configured);
  } catch (err) {
    server.close();
    throw err;
  }
  const policy = { listenHost: host, resource: base };
  return {
    base,
    serve(auth) {
      const page = connectPageHandler(auth);
      const route = async (request: Request) => {
        const refused = hostAndOriginRefusal(request, policy);
        if (refused) return refused;
        if (new URL(request.url).pathname === '/healthz') return new Response('ok\n');
        return page(request);
      };
      server.on('request', toNodeHandler({ fetch: route }, { maxRequestBodySize: MAX_CONNECT_BODY_BYTES }));
    },
    close() {
      // A sign-in being checked finishes (requestTimeout bounds it): cut off, its link would be lost.
      server.close();
      server.closeIdleConnections();
    },
  };
}
