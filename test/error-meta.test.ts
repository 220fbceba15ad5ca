// Error results carry the error's code and whether a retry may help in `_meta`, so a client can
// branch on them instead of matching the message text.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, type McpSession, textOf } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';

/** Our keys of a result's `_meta` (2026-07-28 results also carry the server's identity there). */
const ours = (meta: Record<string, unknown> | undefined) =>
  Object.fromEntries(Object.entries(meta ?? {}).filter(([k]) => k.startsWith('olares-mcp/')));

describe('error codes in _meta', () => {
  let box: TestBox;
  let mcp: McpSession | undefined;
  beforeEach(async () => {
    box = await makeBox();
  });
  afterEach(async () => {
    await mcp?.close();
    mcp = undefined;
    await box.close();
  });

  it('a call without a login says auth_not_logged_in, not retryable', async () => {
    await box.login('bob@olares.com');
    await box.auth.stores.file.delete('bob@olares.com');
    mcp = await connect(box.env);
    const r = await mcp.call('files_ls', { path: 'drive/Home' });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/no access token for bob@olares\.com/);
    expect(ours(r._meta)).toEqual({
      'olares-mcp/errorCode': 'auth_not_logged_in',
      'olares-mcp/retryable': false,
    });
  });

  it('a 503 from the box says http_5xx, retryable; the next call succeeds without _meta', async () => {
    await box.login('bob@olares.com');
    mcp = await connect(box.env);
    box.sim.addFault({ match: /^GET \/files\/api\/resources/, kind: 'status', status: 503 });
    const failed = await mcp.call('files_ls', { path: 'drive/Home' });
    expect(failed.isError).toBe(true);
    expect(textOf(failed)).toMatch(/HTTP 503/);
    expect(ours(failed._meta)).toEqual({ 'olares-mcp/errorCode': 'http_5xx', 'olares-mcp/retryable': true });
    box.sim.clearFaults();
    const ok = await mcp.call('files_ls', { path: 'drive/Home' });
    expect(ok.isError).toBeFalsy();
    expect(ok._meta?.['olares-mcp/errorCode']).toBeUndefined();
  });
});
