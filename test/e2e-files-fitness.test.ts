// Files answers in one call (issue "Agent fitness" item 1): a public share comes back with its
// link, and files_cat reads the first or last lines of a file with the note outside the content.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boxContent, connectConfirming, type McpSession, textOf } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';

describe('files: share link and head/tail', () => {
  let box: TestBox;
  let mcp: McpSession;
  let work: string;

  beforeAll(async () => {
    box = await makeBox();
    await box.login('alice@olares.com');
    work = await mkdtemp(join(tmpdir(), 'olares-fitness-'));
    mcp = await connectConfirming({ ...box.env, OLARES_LOCAL_ROOTS: work });
  });
  afterAll(async () => {
    await mcp?.close();
    await box?.close();
    await rm(work, { recursive: true, force: true });
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

  it('files_cat reads the first or last lines, and keeps its note out of the content', async () => {
    const local = join(work, 'app.log');
    const lines = Array.from({ length: 3000 }, (_, i) => `line ${i + 1} ${'x'.repeat(20)}`);
    await writeFile(local, `${lines.join('\n')}\n`);
    const up = await mcp.call('files_upload', { localPath: local, remotePath: 'drive/Home/Documents/' });
    expect(up.isError, textOf(up)).toBeFalsy();
    const path = 'drive/Home/Documents/app.log';
    const head = await mcp.call('files_cat', { path, head: 3 });
    expect(head.structuredContent).toMatchObject({
      lines: 3,
      truncated: true,
    });
    expect(head.structuredContent).not.toHaveProperty('content'); // the text block carries it
    expect(boxContent(head)).toBe(`${lines.slice(0, 3).join('\n')}\n`);
    expect(textOf(head)).toMatch(/first 3 line\(s\); more: a larger head or files_download/);
    // The file is larger than maxBytes: tail reads the end of it, not the start.
    const tail = await mcp.call('files_cat', { path, tail: 2 });
    expect(tail.structuredContent).toMatchObject({
      lines: 2,
      truncated: true,
    });
    expect(boxContent(tail)).toBe(`${lines.slice(-2).join('\n')}\n`);
    const wide = await mcp.call('files_cat', { path, tail: 5000, maxBytes: 2048 });
    // A window that starts mid-file drops its partial first line: every line shown is whole.
    const shown: string[] = boxContent(wide).trim().split('\n');
    expect(shown.every((l) => /^line \d+ x{20}$/.test(l))).toBe(true);
    expect(shown[shown.length - 1]).toBe(lines[lines.length - 1]);
    expect(wide.structuredContent.lines).toBe(shown.length);
    expect(boxContent(wide)).not.toMatch(/truncated/);
    const whole = await mcp.call('files_cat', {
      path: 'drive/Home/Documents/app.log',
      head: 5000,
      maxBytes: 1024 * 1024,
    });
    expect(whole.structuredContent).toMatchObject({ lines: 3000, truncated: false });
    const both = await mcp.call('files_cat', { path, head: 1, tail: 1 });
    expect(textOf(both)).toMatch(/give head or tail, not both/);
  });
});
