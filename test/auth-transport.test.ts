// The refreshing transport against the simulator: 401/403/459 refresh and replay once, streams
// refresh pre-flight, a dead grant is stamped and later calls fail without network.
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isExpiring } from '../src/auth/jwt.js';
import { OlaresHttp } from '../src/transport/http.js';
import { makeBox, type TestBox } from './helpers/sim.js';
import { eventually, gate } from './helpers/wait.js';

const ECHO = 'GET /desktop/api/echo';
const POST_ECHO = 'POST /desktop/api/echo';
const REFRESH = 'POST /auth/api/refresh';

describe('refreshing transport', () => {
  let box: TestBox;
  let http: OlaresHttp;
  const expire = async (ttlSec = -5) => {
    const rec = (await box.auth.stores.file.get('bob@olares.com'))!;
    await box.auth.stores.file.set({
      ...rec,
      accessToken: await box.sim.issueAccessToken(box.sim.userById('bob@olares.com')!, { ttlSec }),
    });
  };
  beforeEach(async () => {
    box = await makeBox();
    await box.login('bob@olares.com');
    http = new OlaresHttp(await box.auth.session());
  });
  afterEach(() => box.close());

  it.each([401, 403, 459])('refreshes once and replays after HTTP %i', async (status) => {
    if (status === 401) await expire();
    else box.sim.addFault({ match: ECHO, kind: 'status', status, times: 1 });
    const body = await http.json<any>('desktop', '/api/echo');
    expect(body.data.user).toBe('bob@olares.com');
    expect(box.sim.count(REFRESH)).toBe(1);
    expect(box.sim.count(ECHO)).toBe(2);
  });

  it('sends plain JSON GETs on one kept-alive connection, and a refused one on a fresh one', async () => {
    let connections = 0;
    box.sim.server.on('connection', () => connections++);
    for (let i = 0; i < 5; i++)
      expect((await http.json<any>('desktop', '/api/echo')).data.user).toBe('bob@olares.com');
    expect(connections).toBe(1);
    // A refusal is not a clean answer: that connection is dropped, the replay opens another.
    box.sim.addFault({ match: ECHO, kind: 'status', status: 401, times: 1 });
    await expire();
    expect((await http.json<any>('desktop', '/api/echo')).data.user).toBe('bob@olares.com');
    expect(box.sim.count(REFRESH)).toBe(1);
    expect(connections).toBeGreaterThanOrEqual(2);
  });

  it('does not loop when the replay is refused again', async () => {
    box.sim.addFault({ match: ECHO, kind: 'status', status: 401, times: 2 });
    await expect(http.json('desktop', '/api/echo')).rejects.toThrow(
      /server rejected the access token \(HTTP 401\); please run: profile_login/,
    );
    expect(box.sim.count(REFRESH)).toBe(1);
    expect(box.sim.count(ECHO)).toBe(2);
  });

  it('never replays a one-shot stream body; it refreshes before sending instead', async () => {
    await expire(30); // within the 60 s pre-flight window
    const r = await http.json<any>('desktop', '/api/echo', {
      method: 'POST',
      body: Readable.from([Buffer.from('abc')]),
      headers: { 'content-length': '3' },
    });
    expect(r.data.bytes).toBe(3);
    expect(box.sim.count(REFRESH)).toBe(1);
    expect(box.sim.count(`${POST_ECHO} 401`)).toBe(0);
    box.sim.addFault({ match: POST_ECHO, kind: 'status', status: 401, times: 1 });
    await expect(
      http.json('desktop', '/api/echo', { method: 'POST', body: Readable.from([Buffer.from('abc')]) }),
    ).rejects.toThrow(/HTTP 401/);
    expect(box.sim.count(POST_ECHO)).toBe(2); // no replay of the consumed stream
  });

  it('leaves a fresh token alone for streams and never refreshes replayable requests early', async () => {
    await http.json('desktop', '/api/echo', { method: 'POST', body: Readable.from([Buffer.from('x')]) });
    expect(box.sim.count(REFRESH)).toBe(0);
    await expire(30);
    const token = (await box.auth.stores.file.get('bob@olares.com'))!.accessToken;
    expect(isExpiring(token, 60)).toBe(true);
    await http.json('desktop', '/api/echo');
    expect(box.sim.count(REFRESH)).toBe(0); // replayable: waits for the server to say no
  });

  it('treats a 5xx from /api/refresh as transient and stamps nothing', async () => {
    await expire();
    box.sim.addFault({ match: REFRESH, kind: 'status', status: 502, times: 1 });
    await expect(http.json('desktop', '/api/echo')).rejects.toThrow(/\/api\/refresh returned HTTP 502/);
    expect((await box.auth.stores.file.get('bob@olares.com'))!.invalidatedAt).toBeUndefined();
    await http.json('desktop', '/api/echo');
    expect(box.sim.count(REFRESH)).toBe(2);
  });

  it('stamps a rejected grant and then fails fast without network', async () => {
    await expire();
    box.sim.revokeRefreshTokens('bob@olares.com');
    await expect(http.json('desktop', '/api/echo')).rejects.toThrow(
      /^refresh token for bob@olares.com became invalid at \S+Z; please run: profile_login/,
    );
    const rec = await box.auth.stores.file.get('bob@olares.com');
    expect(rec?.invalidatedAt).toBeGreaterThan(0);
    box.sim.resetCounters();
    const fresh = new OlaresHttp(await box.auth.session());
    await expect(fresh.json('desktop', '/api/echo')).rejects.toThrow(/became invalid/);
    expect([...box.sim.counters.values()].reduce((a, b) => a + b, 0)).toBe(0);
    expect((await box.auth.listProfiles()).profiles[0].status).toBe('invalidated');
  });

  it('makes exactly one refresh for 50 concurrent calls with an expired token', async () => {
    await expire();
    const results = await Promise.all(
      Array.from({ length: 50 }, () => http.json<any>('desktop', '/api/echo')),
    );
    expect(results.every((r) => r.data.user === 'bob@olares.com')).toBe(true);
    expect(box.sim.count(REFRESH)).toBe(1);
  });

  it('sends a token past its exp on one call first; the others wait for its answer', async () => {
    await expire();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => http.json<any>('desktop', '/api/echo')),
    );
    expect(results.every((r) => r.data.user === 'bob@olares.com')).toBe(true);
    expect(box.sim.count(`${ECHO} 401`)).toBe(1);
    expect(box.sim.count(REFRESH)).toBe(1);
    expect(box.sim.count(ECHO)).toBe(21);
  });

  it('lets the held calls carry the old token when the box still takes it (clocks differ)', async () => {
    box.sim.options.clockToleranceSec = 60;
    await expire(-5);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => http.json<any>('desktop', '/api/echo')),
    );
    expect(results.every((r) => r.data.user === 'bob@olares.com')).toBe(true);
    expect(box.sim.count(REFRESH)).toBe(0); // past exp locally, but nobody refused it
    expect(box.sim.count(ECHO)).toBe(20);
  });

  it('releases the held calls as soon as a stream refreshed, not when its body is sent', async () => {
    await expire();
    box.sim.addFault({ match: REFRESH, kind: 'latency', ms: 300, times: 1 });
    // The upload's request is held at the box until the reads are done: were they released only
    // when its body is sent, they would never finish.
    const uploadHeld = gate();
    box.sim.addFault({ match: POST_ECHO, kind: 'latency', until: uploadHeld.opened, times: 1 });
    const finished: string[] = [];
    const upload = http
      .json('desktop', '/api/echo', { method: 'POST', body: Readable.from([Buffer.from('abc')]) })
      .then(() => finished.push('upload'));
    // The upload carries the stale token first, so it is the probe; its refresh is under way.
    await eventually(() => box.sim.count(REFRESH) === 1, 'the upload to start the refresh');
    const reads = Array.from({ length: 5 }, () =>
      http.json('desktop', '/api/echo').then(() => finished.push('read')),
    );
    try {
      // Well within the 5 s after which a held call stops waiting for its probe and goes anyway.
      await eventually(
        () => finished.length === 5,
        'the held reads to finish while the upload is held',
        4000,
      );
    } finally {
      uploadHeld.open();
    }
    await Promise.all([upload, ...reads]);
    expect(finished).toEqual(['read', 'read', 'read', 'read', 'read', 'upload']);
    expect(box.sim.count(REFRESH)).toBe(1);
    expect(box.sim.count(`${ECHO} 401`)).toBe(0);
  });

  it('releases the held calls when the probe itself fails on the network', async () => {
    await expire();
    box.sim.addFault({ match: ECHO, kind: 'drop', times: 1 });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => http.json<any>('desktop', '/api/echo')),
    );
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(9);
    expect(box.sim.count(REFRESH)).toBe(1);
  });

  it('uses the env provider before the store and never writes it', async () => {
    await expire();
    const rec = (await box.auth.stores.file.get('bob@olares.com'))!;
    await box.auth.removeProfile('bob@olares.com');
    const { AuthContext } = await import('../src/auth/index.js');
    const auth = new AuthContext({
      ...box.env,
      OLARES_ID: 'bob@olares.com',
      OLARES_REFRESH_TOKEN: rec.refreshToken,
    });
    const envHttp = new OlaresHttp(await auth.session());
    expect(envHttp.session.credentials.source).toBe('env');
    expect((await envHttp.json<any>('desktop', '/api/echo')).data.user).toBe('bob@olares.com');
    expect(await box.auth.stores.file.get('bob@olares.com')).toBeNull();
    expect((await auth.profiles.load()).profiles).toEqual([]);
  });
});
