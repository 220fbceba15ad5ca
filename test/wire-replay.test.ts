// The simulator against the contract fixtures: every route it serves has a fixture, and every
// fixture's request replayed against a fresh simulator gets the same status, the same body shape
// (field names and JSON types) and the named headers. So the simulator cannot drift from what the
// real servers answer. Fixture format and how to add one: test/helpers/wire.ts.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../sim/server.js';
import { olaresPasswordHash } from '../sim/users.js';
import { compareShape, fillPlaceholders, loadFixtures, type WireFixture } from './helpers/wire.js';

/** Routes with no real counterpart: the protected echo exists only for transport tests. */
const SIM_ONLY = new Set(['* /desktop/api/echo']);
const fixtures = loadFixtures();
/**
 * Replayed here: the auth and files hosts. The market, control-hub, dashboard and desktop
 * fixtures are replayed by test/wire-market-cluster.test.ts.
 */
const REPLAYED_SERVICES = new Set(['auth', 'files']);
const replayed = fixtures.filter((f) => REPLAYED_SERVICES.has(f.endpoint.split(' ')[1].split('/')[1]));

/** The placeholders a replayed request may use (`{{name}}`), each made on a fresh simulator. */
const REPLAY_VARS: Record<string, (c: ReplayContext) => Promise<string> | string> = {
  local: () => 'bob',
  passwordHash: (c) => olaresPasswordHash(c.spec('bob@olares.com').password),
  local2fa: () => 'alice',
  passwordHash2fa: (c) => olaresPasswordHash(c.spec('alice@olares.com').password),
  firstFactorToken: (c) => c.sim.issueAccessToken(c.sim.userById('alice@olares.com')!, { stage: '1fa' }),
  totpCode: (c) => generate({ secret: c.spec('alice@olares.com').totpSecret! }),
  refreshToken: (c) => c.sim.issueRefreshToken(c.sim.userById('bob@olares.com')!, 'session-1'),
  node: () => 'olares',
  masterNode: () => 'olares',
  workerNode: () => 'olares-worker',
  uploadId: (c) => c.linkId('/drive/Home/'),
  missingParentUploadId: (c) => c.linkId('/drive/Home/missing/'),
  syncUploadId: (c) => c.linkId('/sync/repo1/'),
  seafToken: async (c) => {
    const res = await c.send('GET', '/files/api/raw/sync/repo1/notes.txt');
    return /\/seafhttp\/files\/([^/]+)\//.exec(res.headers.get('location') ?? '')?.[1] ?? 'none';
  },
  taskId: async (c) => {
    const body = {
      action: 'copy',
      source: '/drive/Home/Documents/welcome.txt',
      destination: '/drive/Home/x.txt',
    };
    return (await (await c.send('PATCH', '/files/api/paste/olares/', body)).json()).task_id;
  },
  shareId: (c) => c.createShare(),
};

/** State a fixture's answer depends on, beyond the seeded files. */
const SETUP: Record<string, (c: ReplayContext) => Promise<unknown>> = {
  'files/share-list.json': (c) => c.createShare(),
  'files/archive-extract.json': (c) => c.compressWelcome(),
};

class ReplayContext {
  token = '';
  constructor(readonly sim: Simulator) {}
  spec(id: string) {
    return this.sim.specs.find((s) => s.olaresId === id)!;
  }
  send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const json = body !== undefined && body !== null && typeof body !== 'string';
    return fetch(`${this.sim.url}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        'x-authorization': this.token,
        cookie: `auth_token=${this.token}`,
        'x-unauth-error': 'Non-Redirect',
        ...(json ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: json ? JSON.stringify(body) : ((body as string | null | undefined) ?? undefined),
    });
  }
  async linkId(parentDir: string) {
    const res = await this.send(
      'GET',
      `/files/upload/upload-link/olares/?file_path=${encodeURIComponent(parentDir)}`,
    );
    return (await res.text()).split('/').pop() ?? '';
  }
  /** An archive to extract: compress welcome.txt and wait for the task to finish. */
  async compressWelcome() {
    const body = {
      sources: ['/drive/Home/Documents/welcome.txt'],
      destination: '/drive/Home/Documents/welcome.zip',
      format: 'zip',
      conflict: 'rename',
    };
    const { task_id } = await (await this.send('POST', '/files/api/archive/olares/compress', body)).json();
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const answer = await (await this.send('GET', `/files/api/task/olares/?task_id=${task_id}`)).json();
      if (answer.task?.status === 'completed') return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the setup archive never finished');
  }
  async createShare() {
    const body = { name: 'Documents', share_type: 'internal', permission: 4, password: '' };
    const res = await this.send('POST', '/files/api/share/share_path/drive/Home/Documents/', body);
    return (await res.json()).data.id as string;
  }
}

async function freshBox(filesRoot: string): Promise<ReplayContext> {
  const sim = await startSimulator({ filesRoot });
  const c = new ReplayContext(sim);
  c.token = await sim.issueAccessToken(sim.userById('bob@olares.com')!);
  // The seeding runs in the background on start; a listing waits for it.
  await c.send('GET', '/files/api/resources/drive/Home/');
  await mkdir(join(filesRoot, 'bob', 'sync', 'repo1'), { recursive: true });
  await writeFile(join(filesRoot, 'bob', 'sync', 'repo1', 'notes.txt'), 'seafile notes\n');
  return c;
}

async function replay(f: WireFixture, c: ReplayContext) {
  const names = new Set([...JSON.stringify(f.request).matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]));
  const vars: Record<string, string> = {};
  for (const name of names) {
    if (!REPLAY_VARS[name]) throw new Error(`${f.file}: no REPLAY_VARS entry for {{${name}}}`);
    vars[name] = await REPLAY_VARS[name](c);
  }
  await SETUP[f.file]?.(c);
  const req = fillPlaceholders(f.request, vars);
  const service = f.endpoint.split(' ')[1].split('/')[1];
  const res = await c.send(req.method, `/${service}${req.path}`, req.body, req.headers);
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  const body = text === '' ? null : /json/.test(type) ? JSON.parse(text) : text;
  return { status: res.status, headers: res.headers, body };
}

describe('simulator routes against the contract fixtures', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());

  it('every route the simulator serves has a fixture (or is named simulator-only)', () => {
    const covered = new Set(fixtures.map((f) => f.endpoint));
    const missing = sim.routeKeys().filter((key) => !covered.has(key) && !SIM_ONLY.has(key));
    expect(
      missing,
      'add test/fixtures/wire/<service>/<case>.json for each (see test/helpers/wire.ts)',
    ).toEqual([]);
  });

  it('every fixture names a route the simulator serves', () => {
    const keys = new Set(sim.routeKeys());
    expect(fixtures.filter((f) => !keys.has(f.endpoint)).map((f) => `${f.file}: ${f.endpoint}`)).toEqual([]);
  });
});

describe('each fixture replayed against the simulator', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'olares-mcp-wire-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it.each(replayed.map((f) => [f.file, f] as const))('%s', async (file, f) => {
    const c = await freshBox(join(root, file.replace(/\W/g, '_')));
    try {
      const got = await replay(f, c);
      expect(got.status, `${file}: status`).toBe(f.response.status);
      expect(compareShape(f.response.body, got.body), `${file}: body shape`).toEqual([]);
      for (const [name, value] of Object.entries(f.response.headers)) {
        const sent = got.headers.get(name);
        expect(sent, `${file}: header ${name}`).not.toBeNull();
        if (name === 'content-type') expect(sent?.split(';')[0].trim()).toBe(value.split(';')[0].trim());
      }
    } finally {
      await c.sim.close();
    }
  });
});
