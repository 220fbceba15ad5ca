// `olares-mcp demo`: the simulator, this very server driven by a real MCP client over stdio,
// and a login done through the loopback page the way a user's browser would.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { liteJsonSchemaValidator } from '../jsonSchemaLite.js';

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const show = (s: string) => process.stdout.write(`${s}\n`);

function shorten(json: unknown, max = 400) {
  const s = JSON.stringify(json);
  return s.length > max ? `${s.slice(0, max)}... (${s.length} chars)` : s;
}

/** GET the page, then POST its form back with the visible fields filled: what a browser does. */
function submit(url: string, visible: Record<string, string>): Promise<string> {
  const http = (method: string, body?: string) =>
    new Promise<string>((resolve, reject) => {
      const u = new URL(url);
      const req = request(
        {
          hostname: u.hostname,
          port: u.port,
          path: u.pathname,
          method,
          headers: body
            ? {
                'content-type': 'application/x-www-form-urlencoded',
                'content-length': Buffer.byteLength(body),
              }
            : {},
        },
        (res) => {
          let html = '';
          res.setEncoding('utf8');
          res.on('data', (d) => {
            html += d;
          });
          res.on('end', () => resolve(html));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return http('GET').then((page) => {
    const form = new URLSearchParams();
    for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
      form.set(m[1], m[2]);
    for (const [field, value] of Object.entries(visible)) form.set(field, value);
    return http('POST', form.toString());
  });
}

export async function runDemo() {
  const { startSimulator } = await import('../../sim/server.js');
  const { generate } = await import('otplib');
  const sim = await startSimulator({ marketStepMs: 150 });
  const home = await mkdtemp(join(tmpdir(), 'olares-mcp-demo-'));
  const alice = sim.specs[0];
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [process.argv[1]],
    env: {
      ...(process.env as Record<string, string>),
      OLARES_MCP_HOME: home,
      OLARES_URL_TEMPLATE: sim.urlTemplate,
      OLARES_TOKEN_STORE: 'file',
      OLARES_LOCAL_ROOTS: home,
      OLARES_MARKET_POLL_MS: '150',
    },
    stderr: 'inherit',
  });
  const client = new Client(
    { name: 'olares-mcp-demo', version: '1' },
    // The demo speaks the newest revision; the server also serves clients that send initialize.
    { jsonSchemaValidator: liteJsonSchemaValidator, versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  const call = async (name: string, args: Record<string, unknown> = {}, onprogress?: (p: any) => void) => {
    show(`\n${bold(`> ${name} ${JSON.stringify(args)}`)}`);
    const r: any = await client.callTool({ name, arguments: args }, { onprogress });
    const text: string = r.content?.[0]?.text ?? '';
    const [summary] = text.split('\n{');
    show(`${r.isError ? 'ERROR: ' : ''}${summary.trim()}`);
    if (r.structuredContent) show(`  structured: ${shorten(r.structuredContent)}`);
    return r;
  };
  try {
    show(bold(`Olares simulator at ${sim.url}; a fresh OLARES_MCP_HOME in ${home}`));
    await client.connect(transport);
    const { tools } = await client.listTools();
    show(`${bold('tools/list')}: ${tools.length} tools: ${tools.map((t) => t.name).join(', ')}`);
    await call('profile_list');
    const login = await call('profile_login', { olaresId: alice.olaresId, name: 'alice' });
    const url: string = login.structuredContent.loginUrl;
    show(
      bold(
        `\n(the user opens ${url}, checks the auth host it names, types the olaresId and the password, then the TOTP code; the agent never sees them)`,
      ),
    );
    const step = await submit(url, { olaresId: alice.olaresId, password: alice.password });
    if (!step.includes('name="totp"')) throw new Error('the login page did not ask for the TOTP code');
    const done = await submit(url, { totp: await generate({ secret: alice.totpSecret! }) });
    show(
      done.includes('Logged in as')
        ? 'browser: "Logged in as alice@olares.com. You can close this tab."'
        : 'browser: login failed',
    );
    await call('profile_list');
    await call('files_ls', { path: 'drive/Home/Documents' });
    await call('files_cat', { path: 'drive/Home/Documents/welcome.txt' });
    await writeFile(join(home, 'notes.md'), '# Notes from the demo\n');
    await call('files_upload', { localPath: join(home, 'notes.md'), remotePath: 'drive/Home/Documents/' });
    await call('market_install', { app: 'firefox', wait: true }, (p) => show(`  progress: ${p.message}`));
    await call('market_install', { app: 'n8n' });
    await call('cluster_pods', { namespace: 'user-space-alice', limit: 3 });
    await call('dashboard_overview', { head: 3 });
    await call('doctor');
    show(bold('\nDone. Run `npm run sim` to keep a simulator running and connect your own client.'));
  } finally {
    await client.close().catch(() => {});
    await sim.close();
    await rm(home, { recursive: true, force: true });
  }
}
