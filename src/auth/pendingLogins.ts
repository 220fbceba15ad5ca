// Records of login pages held by detached processes (`olares-mcp login-page`), so a page outlives
// the server that opened it: a client that restarts the server, or runs one per call, can still
// finish a login. `$OLARES_MCP_HOME/pending/<id>.json` (dir 0700, file 0600, written atomically)
// holds the page's pid, olaresId, port, link and expiry, never a secret. The link is a capability,
// but only to type a password into a page on this machine; the state directory it sits in is
// already owned by this user and closed to others, as the token store next to it is.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { OlaresMcpError } from '../errors.js';
import { writeFileAtomic } from './fsutil.js';
import { type DetachedPage, setDetachedPages } from './loopback.js';

export interface PendingLogin {
  id: string;
  pid: number;
  olaresId: string;
  name?: string;
  makeCurrent: boolean;
  port: number;
  url: string;
  createdAt: number;
  expiresAt: number;
}

/** A record id is also a file name: only what randomUUID-like ids contain. */
const ID_PATTERN = /^[A-Za-z0-9-]{8,64}$/;
export const isPendingId = (id: string) => ID_PATTERN.test(id);

export const pendingDir = (home: string) => join(home, 'pending');
const recordPath = (home: string, id: string) => join(pendingDir(home), `${id}.json`);

export async function writePendingLogin(home: string, record: PendingLogin): Promise<void> {
  await mkdir(pendingDir(home), { recursive: true, mode: 0o700 });
  await writeFileAtomic(recordPath(home, record.id), JSON.stringify(record), 0o600);
}

export async function removePendingLogin(home: string, id: string): Promise<void> {
  await rm(recordPath(home, id), { force: true });
}

/** One record as written, whether or not it is still live: for the server awaiting its page. */
export function readPendingLogin(home: string, id: string): PendingLogin | undefined {
  try {
    return parseRecord(readFileSync(recordPath(home, id), 'utf8'), id);
  } catch {
    return undefined;
  }
}

/** Signal 0 checks existence; EPERM means it exists but is not ours, which no page of ours is. */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether `pid` is still the page process of this record, not an unrelated process that got the
 * pid after the page died: on Linux its command line names the record id; elsewhere, alive is all
 * we can tell, and the expiry bounds how long a reused pid can be mistaken for the page.
 */
function isPageProcess(record: PendingLogin): boolean {
  if (!pidAlive(record.pid)) return false;
  if (process.platform !== 'linux') return true;
  try {
    const argv = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').split('\0');
    return argv.includes('login-page') && argv.includes(`--id=${record.id}`);
  } catch {
    return false;
  }
}

function parseRecord(text: string, id: string): PendingLogin | undefined {
  try {
    const r = JSON.parse(text) as PendingLogin;
    const ok =
      r.id === id &&
      Number.isInteger(r.pid) &&
      r.pid > 0 &&
      typeof r.olaresId === 'string' &&
      typeof r.url === 'string' &&
      Number.isFinite(r.expiresAt) &&
      Number.isFinite(r.createdAt);
    return ok ? r : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The live records, oldest first. A record whose process is gone, whose link expired or that does
 * not parse is deleted: its page can no longer be used, so nothing worth keeping is lost.
 */
export function listPendingLogins(home: string, now = Date.now()): PendingLogin[] {
  let names: string[];
  try {
    names = readdirSync(pendingDir(home));
  } catch {
    return [];
  }
  const live: PendingLogin[] = [];
  for (const file of names) {
    const id = file.endsWith('.json') ? file.slice(0, -5) : '';
    if (!isPendingId(id)) continue; // temp files of an atomic write in progress, strangers
    const path = join(pendingDir(home), file);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue; // removed meanwhile by its page
    }
    const record = parseRecord(text, id);
    if (record && record.expiresAt > now && isPageProcess(record)) live.push(record);
    else rmSync(path, { force: true });
  }
  return live.sort((a, b) => a.createdAt - b.createdAt);
}

export const findPendingLogin = (home: string, olaresId: string) =>
  listPendingLogins(home).find((r) => r.olaresId.toLowerCase() === olaresId.toLowerCase());

/** Closes a detached page: its process removes its own record on SIGTERM; we remove it too. */
export function closePendingLogin(home: string, record: PendingLogin): void {
  if (isPageProcess(record)) {
    try {
      process.kill(record.pid, 'SIGTERM');
    } catch {
      // gone already
    }
  }
  rmSync(recordPath(home, record.id), { force: true });
}

/** Lets the cap on open pages (loopback.ts) count and close the detached pages of this home. */
export function countDetachedPagesOf(home: string): void {
  setDetachedPages(() =>
    listPendingLogins(home).map(
      (r): DetachedPage => ({ createdAt: r.createdAt, close: () => closePendingLogin(home, r) }),
    ),
  );
}

export class LoginPageStartError extends OlaresMcpError {
  constructor(olaresId: string, why: string) {
    super(
      `the login page for ${olaresId} could not be started: ${why}. Fix: call profile_login again, or log in in a terminal: olares-mcp login --olares-id ${olaresId}`,
      { code: 'login_page_failed' },
    );
  }
}
