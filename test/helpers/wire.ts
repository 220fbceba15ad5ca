// Contract fixtures (test/fixtures/wire/<service>/<case>.json): what the real servers answer,
// each with where that knowledge comes from. The loader checks every file's shape; `shapeOf` and
// `compareShape` let a test hold the simulator's answers (and the clients' parsers) to them.
//
// Adding a fixture: copy a file next to it, set `endpoint` to the simulator's counter key
// (`METHOD /service<route pattern>`, as `Simulator.routeKeys()` lists them), give the real
// status and body, and cite the server code in `provenance` (kind `derived`: repo, commit, file,
// line) or olares-cli (kind `cli-only`: repo beclab/Olares, file under cli/). Request strings may
// hold `{{name}}` placeholders that the replay test fills (see REPLAY_VARS in
// test/wire-fixtures.test.ts). Values that are ids or times may differ between the fixture and
// the simulator; field names and types may not.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

export const WIRE_DIR = resolve(import.meta.dirname, '../fixtures/wire');
/** Answers recorded from a real box by `npm run test:live -- --record` (sanitized). */
export const CAPTURED_DIR = resolve(import.meta.dirname, '../fixtures/wire-captured');

export type ProvenanceKind = 'derived' | 'cli-only' | 'captured';

export interface WireFixture {
  /** Simulator counter key, e.g. `GET /files/api/resources/*`. */
  endpoint: string;
  case: string;
  provenance: {
    kind: ProvenanceKind;
    repo: string;
    commit: string;
    file: string;
    line: string;
    note: string;
  };
  request: {
    method: string;
    /** Path below the service prefix, percent-encoded, with the query if any. */
    path: string;
    body?: unknown;
    headers?: Record<string, string>;
  };
  response: {
    status: number;
    headers: Record<string, string>;
    body: unknown;
  };
  /** Where the file lives, relative to WIRE_DIR (set by the loader). */
  file: string;
}

const ENDPOINT = /^(GET|POST|PUT|PATCH|DELETE|\*) \/[a-z-]+\/\S*$/;

/** Problems with one parsed fixture file; empty when it is well formed. */
export function checkFixture(raw: unknown, file: string, opts: { captured?: boolean } = {}): string[] {
  const problems: string[] = [];
  const bad = (what: string) => problems.push(`${file}: ${what}`);
  if (!isObject(raw)) return [`${file}: not a JSON object`];
  const service = file.split('/')[0];
  if (typeof raw.endpoint !== 'string' || !ENDPOINT.test(raw.endpoint))
    bad('endpoint must read "METHOD /service<route pattern>"');
  else if (!raw.endpoint.split(' ')[1].startsWith(`/${service}/`))
    bad(`endpoint ${raw.endpoint} is not under the folder's service "${service}"`);
  if (typeof raw.case !== 'string' || `${service}/${raw.case}.json` !== file)
    bad('case must equal the file name (without .json)');
  const p = raw.provenance;
  if (!isObject(p)) bad('provenance missing');
  else {
    if (opts.captured) {
      if (p.kind !== 'captured')
        bad(`only captured answers belong under wire-captured (got ${String(p.kind)})`);
    } else if (p.kind === 'captured') bad('no hand-written fixture may claim to be captured from a box');
    else if (p.kind !== 'derived' && p.kind !== 'cli-only')
      bad('provenance.kind must be derived or cli-only');
    for (const k of ['repo', 'commit', 'file', 'line', 'note'] as const)
      if (typeof p[k] !== 'string' || !p[k]) bad(`provenance.${k} must be a non-empty string`);
    if (p.kind === 'cli-only' && (p.repo !== 'beclab/Olares' || !String(p.file).startsWith('cli/')))
      bad('cli-only provenance cites beclab/Olares and a file under cli/');
  }
  const req = raw.request;
  if (!isObject(req)) bad('request missing');
  else {
    if (typeof req.method !== 'string' || !/^[A-Z]+$/.test(req.method)) bad('request.method');
    if (typeof req.path !== 'string' || !req.path.startsWith('/')) bad('request.path must start with /');
    // A request without a body may leave `body` out (or give null).
    if (req.headers !== undefined && !isStringMap(req.headers)) bad('request.headers must map to strings');
    if (typeof raw.endpoint === 'string' && typeof req.method === 'string') {
      const m = raw.endpoint.split(' ')[0];
      if (m !== '*' && m !== req.method) bad(`request.method ${req.method} differs from the endpoint's ${m}`);
    }
  }
  const res = raw.response;
  if (!isObject(res)) bad('response missing');
  else {
    if (!Number.isInteger(res.status) || (res.status as number) < 100 || (res.status as number) > 599)
      bad('response.status must be an HTTP status');
    if (!isStringMap(res.headers)) bad('response.headers must map to strings');
    if (!('body' in res)) bad('response.body must be present (null when none)');
  }
  return problems;
}

/** Every fixture under WIRE_DIR; throws one error listing every malformed file. */
export function loadFixtures(dir = WIRE_DIR): WireFixture[] {
  return loadFrom(dir, { captured: dir === CAPTURED_DIR });
}

function loadFrom(dir: string, opts: { captured: boolean }): WireFixture[] {
  const files = listJson(dir);
  const problems: string[] = [];
  const fixtures: WireFixture[] = [];
  for (const full of files) {
    const file = relative(dir, full).split('\\').join('/');
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(full, 'utf8'));
    } catch (err) {
      problems.push(`${file}: not JSON (${(err as Error).message})`);
      continue;
    }
    const found = checkFixture(raw, file, opts);
    if (found.length) problems.push(...found);
    else fixtures.push({ ...(raw as Omit<WireFixture, 'file'>), file });
  }
  if (problems.length) throw new Error(`malformed wire fixtures:\n${problems.join('\n')}`);
  return fixtures;
}

function listJson(dir: string): string[] {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) =>
    e.isDirectory() ? listJson(join(dir, e.name)) : e.name.endsWith('.json') ? [join(dir, e.name)] : [],
  );
}

/** Services that have a fixture folder. */
export function fixtureServices(dir = WIRE_DIR): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

/** Replaces `{{name}}` in every string of `value`; an unknown name is an error. */
export function fillPlaceholders<T>(value: T, vars: Record<string, string>): T {
  const fill = (s: string) =>
    s.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
      if (!(name in vars)) throw new Error(`fixture placeholder {{${name}}} has no value`);
      return vars[name];
    });
  const walk = (v: unknown): unknown =>
    typeof v === 'string'
      ? fill(v)
      : Array.isArray(v)
        ? v.map(walk)
        : isObject(v)
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
          : v;
  return walk(value) as T;
}

/**
 * Where two bodies differ in shape: field names and JSON types, recursively; array elements are
 * compared with the other side's first element (an empty array matches any array).
 */
export function compareShape(expected: unknown, actual: unknown, at = 'body'): string[] {
  const te = typeOf(expected);
  const ta = typeOf(actual);
  if (te !== ta) return [`${at}: fixture has ${te}, simulator ${ta}`];
  if (te === 'array') {
    const e = expected as unknown[];
    const a = actual as unknown[];
    if (!e.length || !a.length) return [];
    return e.flatMap((item, i) => compareShape(item, a[0], `${at}[${i}]`));
  }
  if (te !== 'object') return [];
  const e = expected as Record<string, unknown>;
  const a = actual as Record<string, unknown>;
  const problems: string[] = [];
  for (const k of Object.keys(e)) {
    if (!(k in a)) problems.push(`${at}.${k}: in the fixture, missing from the simulator`);
    else problems.push(...compareShape(e[k], a[k], `${at}.${k}`));
  }
  for (const k of Object.keys(a))
    if (!(k in e)) problems.push(`${at}.${k}: sent by the simulator, not by the real server`);
  return problems;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isStringMap(v: unknown): boolean {
  return isObject(v) && Object.values(v).every((x) => typeof x === 'string');
}
