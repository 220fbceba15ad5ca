// The clients' parsers read every contract fixture of their endpoints, and a body missing a field
// fails with one WireShapeError naming service, endpoint and field.
import { describe, expect, it } from 'vitest';
import { parseEnvelope } from '../src/auth/authApi.js';
import { WireShapeError } from '../src/errors.js';
import {
  parseLastChunk,
  parseListing,
  parseNodes,
  parseShareCreated,
  parseShareList,
  parseTask,
  TaskNotFoundError,
} from '../src/olares/files/index.js';
import { loadFixtures, type WireFixture } from './helpers/wire.js';

const fixtures = loadFixtures();
const ok = (f: WireFixture) => f.response.status >= 200 && f.response.status < 300;

/** The parser each 2xx answer of an endpoint goes through. */
const PARSERS: Record<string, (body: unknown) => unknown> = {
  'GET /files/api/resources/*': (b) => parseListing(b, 'GET /api/resources/<dir>/', 'x'),
  'GET /files/api/nodes/': parseNodes,
  'GET /files/api/task/:node/': (b) => parseTask(b, 'olares', 't1'),
  'POST /files/api/share/share_path/*': parseShareCreated,
  'GET /files/api/share/share_path/': parseShareList,
  'POST /files/upload/upload-link/:node/:uid': (b) =>
    Array.isArray(b) ? parseLastChunk(JSON.stringify(b)) : b,
  'POST /files/seafhttp/upload-aj/:id': (b) => parseLastChunk(JSON.stringify(b)),
  'POST /auth/api/firstfactor': (b) => parseEnvelope('/api/firstfactor', JSON.stringify(b), 'first factor'),
  'POST /auth/api/secondfactor/totp': (b) =>
    parseEnvelope('/api/secondfactor/totp', JSON.stringify(b), 'totp'),
  'POST /auth/api/refresh': (b) => parseEnvelope('/api/refresh', JSON.stringify(b), 'refresh'),
};

describe('client parsers on the contract fixtures', () => {
  const parsed = fixtures.filter((f) => ok(f) && PARSERS[f.endpoint] && f.case !== 'task-unknown');
  it.each(parsed.map((f) => [f.file, f] as const))('%s parses', (_file, f) => {
    expect(() => PARSERS[f.endpoint](f.response.body)).not.toThrow();
  });

  it('reads the fields the tools use', () => {
    const body = (c: string) => fixtures.find((f) => f.file === c)!.response.body;
    const listing = parseListing(body('files/resources-list-drive.json'), 'GET', 'drive/Home/Documents');
    expect(listing.items[0]).toMatchObject({ name: 'welcome.txt', isDir: false, size: 28 });
    const cloud = parseListing(body('files/resources-list-cloud.json'), 'GET', 'google/work');
    expect(cloud.items[0]).toMatchObject({ name: 'Reports', isDir: true });
    expect(parseNodes(body('files/nodes.json'))).toContainEqual({ name: 'olares', master: true });
    expect(parseTask(body('files/task-known.json'), 'olares', 't')).toMatchObject({ status: 'completed' });
    expect(parseShareList(body('files/share-list.json'))[0]).toMatchObject({ path: 'drive/Home/Documents/' });
  });

  it('fails fast on a task the node does not know', () => {
    const unknown = fixtures.find((f) => f.file === 'files/task-unknown.json')!.response.body;
    expect(() => parseTask(unknown, 'olares', 'task9')).toThrow(TaskNotFoundError);
  });

  it('names the service, endpoint and field of a body in another shape', () => {
    const listing = structuredClone(
      fixtures.find((f) => f.file === 'files/resources-list-drive.json')!.response.body,
    ) as { items: Array<Record<string, unknown>> };
    delete listing.items[0].name;
    const err = (() => {
      try {
        parseListing(listing, 'GET /api/resources/<dir>/', 'x');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(WireShapeError);
    expect((err as Error).message).toMatch(
      /^files answered GET \/api\/resources\/<dir>\/ in an unexpected shape: field 'items\[0\]\.name' should be a string, got undefined/,
    );
    expect(() =>
      parseEnvelope('/api/refresh', '{"status":"OK","data":{"access_token":5}}', 'refresh'),
    ).toThrow(
      /auth answered POST \/api\/refresh in an unexpected shape: field 'data\.access_token' should be a string/,
    );
  });
});
