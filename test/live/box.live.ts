// Read-only cases against a real Olares box (npm run test:live). Needs OLARES_LIVE_URL_TEMPLATE
// (e.g. https://{service}.alice.olares.com) and a profile logged in with `olares-mcp login`
// (OLARES_PROFILE picks one; OLARES_MCP_HOME points at another home). Without the template every
// case is skipped and the reason is printed. With OLARES_LIVE_RECORD=1 (`-- --record`), the
// GET fixtures are replayed against the box and its answers saved, sanitized, as `captured`
// fixtures under test/fixtures/wire-captured/.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthContext } from '../../src/auth/index.js';
import { FilesClient } from '../../src/olares/files/index.js';
import { OlaresHttp } from '../../src/transport/http.js';
import { connect, type McpSession, textOf } from '../helpers/mcp.js';
import { CAPTURED_DIR, fillPlaceholders, loadFixtures, type WireFixture } from '../helpers/wire.js';
import { sanitizeAnswer } from './sanitize.js';

const TEMPLATE = process.env.OLARES_LIVE_URL_TEMPLATE;
const RECORD = process.env.OLARES_LIVE_RECORD === '1';
const SKIP_REASON = 'OLARES_LIVE_URL_TEMPLATE is not set, so there is no box to test against';
if (!TEMPLATE) process.stderr.write(`live tests skipped: ${SKIP_REASON}\n`);

/** Placeholders a read-only replay can fill on a real box; fixtures needing others are skipped. */
const LIVE_VARS = new Set(['node', 'masterNode']);

const recordable = (f: WireFixture) =>
  f.request.method === 'GET' &&
  [...JSON.stringify(f.request).matchAll(/\{\{(\w+)\}\}/g)].every((m) => LIVE_VARS.has(m[1])) &&
  !f.endpoint.includes('/seafhttp/') &&
  !f.endpoint.includes('/upload/upload-link/');

describe.skipIf(!TEMPLATE)(`live box${TEMPLATE ? '' : ` (skipped: ${SKIP_REASON})`}`, () => {
  const env: NodeJS.ProcessEnv = { ...process.env, OLARES_URL_TEMPLATE: TEMPLATE };
  let mcp: McpSession;
  let auth: AuthContext;

  beforeAll(async () => {
    auth = new AuthContext(env);
    // Fails here, with the auth layer's own hint, when no profile is logged in.
    await auth.session(process.env.OLARES_PROFILE || undefined);
    mcp = await connect(env);
  });
  afterAll(async () => {
    await mcp?.close();
  });

  it('lists drive/Home and says what exists', async () => {
    const ls = await mcp.call('files_ls', { path: 'drive/Home' });
    expect(ls.isError, textOf(ls)).toBeFalsy();
    expect(ls.structuredContent.items.some((i: { isDir: boolean }) => i.isDir)).toBe(true);
    const home = await mcp.call('files_stat', { path: 'drive/Home/Documents' });
    expect(home.structuredContent).toMatchObject({ exists: true, entry: { isDir: true } });
  });

  it('reports a missing directory as not existing', async () => {
    const st = await mcp.call('files_stat', { path: 'drive/Home/olares-mcp-live-missing/x.txt' });
    expect(st.isError, textOf(st)).toBeFalsy();
    expect(st.structuredContent.exists).toBe(false);
  });

  it('reads the share list and the profile', async () => {
    const shares = await mcp.call('files_share_list', {});
    expect(shares.isError, textOf(shares)).toBeFalsy();
    const profiles = await mcp.call('profile_list', {});
    expect(profiles.isError, textOf(profiles)).toBeFalsy();
  });

  it.skipIf(!RECORD)('records sanitized answers as captured fixtures (--record)', async () => {
    const session = await auth.session(process.env.OLARES_PROFILE || undefined);
    const http = new OlaresHttp(session);
    const node = await new FilesClient(http).defaultNode();
    const info = await http.json<{ data?: { osVersion?: string } }>('desktop', '/api/olares-info');
    const anyStatus = Array.from({ length: 500 }, (_, i) => i + 100);
    for (const f of loadFixtures().filter(recordable)) {
      const req = fillPlaceholders(f.request, { node, masterNode: node });
      const service = f.endpoint.split(' ')[1].split('/')[1] as Parameters<OlaresHttp['request']>[0];
      const res = await http.request(service, req.path, { headers: req.headers, allowStatus: anyStatus });
      const text = await res.body.text();
      const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)]));
      let body: unknown = text === '' ? null : text;
      if (/json/.test(headers['content-type'] ?? '')) body = JSON.parse(text);
      const clean = sanitizeAnswer({ status: res.statusCode, headers, body }, session.identity);
      const file = join(CAPTURED_DIR, f.file);
      await mkdir(join(file, '..'), { recursive: true });
      const captured = {
        endpoint: f.endpoint,
        case: f.case,
        provenance: {
          kind: 'captured',
          repo: 'a live Olares box',
          commit: `osVersion ${info?.data?.osVersion ?? 'unknown'}`,
          file: f.endpoint,
          line: new Date().toISOString(),
          note: `recorded by npm run test:live -- --record from the request of test/fixtures/wire/${f.file}; sanitized (no token, cookie, user or file names)`,
        },
        request: { ...f.request, headers: undefined },
        response: clean,
      };
      await writeFile(file, `${JSON.stringify(captured, null, 2)}\n`);
    }
  });
});
