// Every result of a tool that ran as a profile names it (ranAs), so an agent juggling profiles
// sees who acted; results of tools that run as no one (profile_list) do not pretend to.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, type McpSession, textOf } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';

describe('ranAs over stdio', () => {
  let box: TestBox;
  let mcp: McpSession | undefined;
  beforeEach(async () => {
    box = await makeBox();
    await box.login('alice@olares.com', { name: 'alice' });
    await box.login('bob@olares.com', { name: 'bob' }); // bob is current: logged in last
  });
  afterEach(async () => {
    await mcp?.close();
    mcp = undefined;
    await box.close();
  });

  it('names the profile argument, else the current profile; profile_list runs as no one', async () => {
    mcp = await connect(box.env);
    const asAlice = await mcp.call('files_ls', { path: 'drive/Home', profile: 'alice@olares.com' });
    expect(asAlice.isError, textOf(asAlice)).toBeFalsy();
    expect(asAlice.structuredContent.ranAs).toBe('alice@olares.com');

    const asCurrent = await mcp.call('files_ls', { path: 'drive/Home' });
    expect(asCurrent.isError, textOf(asCurrent)).toBeFalsy();
    expect(asCurrent.structuredContent.ranAs).toBe('bob@olares.com');

    const byName = await mcp.call('files_stat', { path: 'drive/Home', profile: 'alice' });
    expect(byName.structuredContent.ranAs).toBe('alice@olares.com');

    const list = await mcp.call('profile_list');
    expect(list.isError, textOf(list)).toBeFalsy();
    expect(list.structuredContent.profiles.map((p: any) => p.olaresId).sort()).toEqual([
      'alice@olares.com',
      'bob@olares.com',
    ]);
    expect(list.structuredContent).not.toHaveProperty('ranAs');
  });
});
