// A public share comes back with its link (issue "Agent fitness" item 1): the user can pass it
// on at once, with the link password, and the link names the share the box created.
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type McpSession, textOf } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';

describe('files_share_create link', () => {
  let box: TestBox;
  let mcp: McpSession;

  beforeAll(async () => {
    box = await makeBox();
    await box.login('alice@olares.com');
    mcp = await connect(box.env, { elicitation: { form: {} } });
    mcp.client.setRequestHandler(ElicitRequestSchema, async () => ({
      action: 'accept',
      content: { confirm: true },
    }));
  });
  afterAll(async () => {
    await mcp?.close();
    await box?.close();
  });

  it('a public share carries https://share.<terminus>/sharable-link/<id>/, view permission by default', async () => {
    const r = await mcp.call('files_share_create', {
      path: 'drive/Home/Documents',
      type: 'public',
      expireDays: 7,
    });
    expect(r.isError, textOf(r)).toBeFalsy();
    const { share, link, linkPassword } = r.structuredContent;
    expect(share.permission).toBe(1); // view
    expect(share.id).toBeTruthy();
    expect(link).toBe(`https://share.alice.olares.com/sharable-link/${share.id}/`);
    const listed = await mcp.call('files_share_list');
    expect(listed.structuredContent.shares.map((s: any) => s.id)).toContain(share.id);
    // The summary points at link and password; each value is in the text block once (the JSON).
    const text = textOf(r);
    expect(text).toMatch(/give link and linkPassword to the people you share it with/);
    expect(text.split(link).length - 1).toBe(1);
    expect(text.split(linkPassword).length - 1).toBe(1);
  });

  it('an internal share has no public link', async () => {
    const r = await mcp.call('files_share_create', { path: 'drive/Home/Documents', type: 'internal' });
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(r.structuredContent.link).toBeUndefined();
    expect(textOf(r)).not.toMatch(/sharable-link/);
  });
});
