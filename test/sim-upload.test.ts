// The simulator's upload endpoint and token check, after their per-request work was cut (a
// verified token is remembered, a chunk's partial file is opened without a stat first): what
// the box answers must not change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBox, type TestBox } from './helpers/sim.js';

describe('simulator upload chunks and tokens', () => {
  let box: TestBox;
  let files: string;
  let token: string;
  const bob = () => box.sim.userById('bob@olares.com')!;
  const auth = (t = token) => ({ cookie: `auth_token=${t}` });
  const node = () => box.sim.options.filesNodes[0].name;

  const uploaded = async (name: string) => {
    const q = new URLSearchParams({ parent_dir: '/drive/Home/', file_name: name });
    const res = await fetch(`${files}/upload/file-uploaded-bytes/${node()}/?${q}`, { headers: auth() });
    return ((await res.json()) as { uploadedBytes: number }).uploadedBytes;
  };
  const chunk = async (link: string, name: string, bytes: Buffer, start: number, total: number) => {
    const form = new FormData();
    form.set('resumableFilename', name);
    form.set('parent_dir', '/drive/Home/');
    form.set('file', new Blob([new Uint8Array(bytes)]), name);
    const res = await fetch(`${files}${link}?ret-json=1`, {
      method: 'POST',
      headers: { ...auth(), 'content-range': `bytes ${start}-${start + bytes.length - 1}/${total}` },
      body: form,
    });
    return { status: res.status, body: await res.text() };
  };

  beforeAll(async () => {
    box = await makeBox();
    files = box.sim.urlTemplate.replace('{service}', 'files');
    token = await box.sim.issueAccessToken(bob());
  });
  afterAll(() => box?.close());

  it('a chunk past what arrived is refused and pads nothing; the next one in order lands', async () => {
    const q = new URLSearchParams({ file_path: '/drive/Home/', from: 'web' });
    const link = (
      await (await fetch(`${files}/upload/upload-link/${node()}/?${q}`, { headers: auth() })).text()
    ).trim();
    expect((await chunk(link, 'gap.bin', Buffer.alloc(10, 1), 0, 30)).status).toBe(200);
    const early = await chunk(link, 'gap.bin', Buffer.alloc(10, 3), 20, 30);
    expect(early.status).toBe(500);
    expect(early.body).toMatch(/only 10 bytes arrived/);
    expect(await uploaded('gap.bin')).toBe(10);
    expect((await chunk(link, 'gap.bin', Buffer.alloc(10, 2), 10, 30)).status).toBe(200);
    const last = await chunk(link, 'gap.bin', Buffer.alloc(10, 3), 20, 30);
    expect(last.status).toBe(200);
    expect(JSON.parse(last.body)[0]).toMatchObject({ name: 'gap.bin', size: 30 });
  });

  it('a token accepted once is still refused once revoked, and once expired', async () => {
    const short = await box.sim.issueAccessToken(bob(), { ttlSec: 1 });
    const ls = () => fetch(`${files}/api/resources/drive/Home/`, { headers: { 'x-authorization': short } });
    expect((await ls()).status).toBe(200);
    const deadline = Date.now() + 10_000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await ls()).status;
    }
    expect(status).toBe(401);
    const revoked = await box.sim.issueAccessToken(bob());
    const get = () =>
      fetch(`${files}/api/resources/drive/Home/`, { headers: { 'x-authorization': revoked } });
    expect((await get()).status).toBe(200);
    box.sim.revokeAccessToken(revoked);
    expect((await get()).status).toBe(401);
  });
});
