import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, type McpSession, textOf } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';

describe('profile tools over stdio', () => {
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

  it('lists no profiles on a fresh home, then the logged-in one as current', async () => {
    mcp = await connect(box.env);
    let r = await mcp.call('profile_list');
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent.profiles).toEqual([]);
    await box.login('alice@olares.com', { name: 'alice' });
    r = await mcp.call('profile_list');
    expect(r.structuredContent.profiles).toHaveLength(1);
    const p = r.structuredContent.profiles[0];
    expect(p).toMatchObject({ name: 'alice', olaresId: 'alice@olares.com', current: true, backend: 'file' });
    expect(p.status).toMatch(/^logged-in \(0h59m\)$/);
  });

  it('imports from a file and from an env var, refusing while a valid token exists', async () => {
    await box.login('bob@olares.com');
    const bobToken = (await box.auth.stores.file.get('bob@olares.com'))!;
    // remove bob so the import is allowed, keep the refresh token for the file
    await box.auth.removeProfile('bob@olares.com');
    const file = join(box.home, 'rt.txt');
    await writeFile(file, `${bobToken.refreshToken}\n`);
    mcp = await connect({ ...box.env, OLARES_LOCAL_ROOTS: box.home });
    const r = await mcp.call('profile_import', { olaresId: 'bob@olares.com', refreshTokenFile: file });
    expect(textOf(r)).toContain('imported credentials for bob@olares.com');
    expect(r.isError).toBeFalsy();
    const again = await mcp.call('profile_import', { olaresId: 'bob@olares.com', refreshTokenFile: file });
    expect(again.isError).toBe(true);
    expect(textOf(again)).toMatch(/already authenticated for bob@olares.com \(expires in \d+m\d+s\)/);
    const unset = await mcp.call('profile_import', {
      olaresId: 'bob@olares.com',
      refreshTokenEnv: 'OLARES_NOT_SET',
    });
    expect(textOf(unset)).toMatch(/refreshTokenEnv may only name OLARES_REFRESH_TOKEN/);
    const notOlares = await mcp.call('profile_import', {
      olaresId: 'bob@olares.com',
      refreshTokenEnv: 'HOME',
    });
    expect(textOf(notOlares)).toMatch(/refreshTokenEnv may only name OLARES_REFRESH_TOKEN \(got "HOME"\)/);
  });

  it('use, "-" and remove move the current pointer and keep serving on bad input', async () => {
    await box.login('alice@olares.com', { name: 'alice' });
    await box.login('bob@olares.com', { name: 'bob' });
    mcp = await connect(box.env, { elicitation: { form: {} } });
    const asked: string[] = [];
    mcp.onElicit(async (params: any) => {
      asked.push(params.message);
      return { action: 'accept', content: { confirm: true } };
    });
    let r = await mcp.call('profile_use', { name: 'alice' });
    expect(asked[0]).toMatch(/Make alice the current Olares profile\?/);
    expect(r.structuredContent).toMatchObject({ name: 'alice', changed: true });
    r = await mcp.call('profile_use', { name: '-' });
    expect(r.structuredContent).toMatchObject({ name: 'bob' });
    r = await mcp.call('profile_use', { name: 'carol' });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/profile "carol" not found .*known profiles: alice, bob/);
    r = await mcp.call('profile_remove', { name: 'bob' });
    expect(r.structuredContent).toMatchObject({ removed: 'bob', currentProfile: 'alice' });
    expect(await box.auth.stores.file.get('bob@olares.com')).toBeNull();
    r = await mcp.call('profile_list');
    expect(r.structuredContent.profiles.map((p: any) => p.name)).toEqual(['alice']);
  });
});
