// The detached login page: `olares-mcp login-page --id <id> --olares-id <id>` holds one login page
// and nothing else, so the link keeps working after the server that opened it exits (a client
// that restarts its server, or runs one per call). It is spawned with stdio ignored and unref'd,
// so no client waits on it, and inherits the server's environment, so it reads and writes the
// same OLARES_MCP_HOME with the same rules. It gets no secret: the user types the password into
// it. It exits at completion, expiry or SIGTERM (the cap on open pages), removing its record.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { InvalidInputError } from '../errors.js';
import { AuthContext } from './index.js';
import { LoginPage } from './loginPage.js';
import { makeRoomForPages } from './loopback.js';
import {
  findPendingLogin,
  isPendingId,
  LoginPageStartError,
  type PendingLogin,
  readPendingLogin,
  removePendingLogin,
  writePendingLogin,
} from './pendingLogins.js';

export const LOGIN_PAGE_COMMAND = 'login-page';
const START_DEADLINE_MS = 15_000;
/** How long a record stays after it is written, however soon its page ends: the server awaits it. */
const MIN_RECORD_LIFE_MS = 2_000;

export interface DetachedLoginOptions {
  name?: string;
  /** The caller already has the user's yes for the switch. */
  makeCurrent: boolean;
}

/**
 * The pending login for `olaresId`: the one already open (a second profile_login gets the same
 * link), else a new detached page, once its record is written.
 */
export async function startDetachedLoginPage(
  auth: AuthContext,
  olaresId: string,
  opts: DetachedLoginOptions,
): Promise<PendingLogin> {
  await auth.trustState();
  const existing = findPendingLogin(auth.home, olaresId);
  if (existing) return existing;
  const cli = process.argv[1];
  if (!cli) throw new LoginPageStartError(olaresId, 'the server does not know its own entry script');
  makeRoomForPages(1);
  const id = randomUUID();
  // `--opt=value`: a value an agent chose (the name) stays one argument, whatever it starts with.
  const args = [cli, LOGIN_PAGE_COMMAND, `--id=${id}`, `--olares-id=${olaresId}`];
  if (opts.name) args.push(`--name=${opts.name}`);
  if (opts.makeCurrent) args.push('--make-current');
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: 'ignore',
    env: auth.env,
    windowsHide: true,
  });
  let exit: string | undefined;
  child.once('exit', (code, signal) => {
    exit = `its process exited (${signal ?? `code ${code}`}) before the page was ready`;
  });
  child.once('error', (err) => {
    exit = `its process could not be started (${err.message})`;
  });
  child.unref();
  return awaitRecord(auth.home, id, olaresId, () => exit);
}

async function awaitRecord(
  home: string,
  id: string,
  olaresId: string,
  failed: () => string | undefined,
): Promise<PendingLogin> {
  const deadline = Date.now() + START_DEADLINE_MS;
  for (;;) {
    // Read as written, even expired: with a very short OLARES_LOGIN_TTL_MS the link can expire
    // before a loaded machine gets here, and an expired link is still the answer (it says so).
    const record = readPendingLogin(home, id);
    if (record) return record;
    const why = failed();
    if (why) throw new LoginPageStartError(olaresId, why);
    if (Date.now() > deadline)
      throw new LoginPageStartError(olaresId, `it was not ready within ${START_DEADLINE_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The child's side. */
export async function runLoginPageProcess(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      id: { type: 'string' },
      'olares-id': { type: 'string' },
      name: { type: 'string' },
      'make-current': { type: 'boolean' },
    },
    strict: true,
  });
  const id = values.id ?? '';
  const olaresId = values['olares-id'];
  if (!isPendingId(id) || !olaresId)
    throw new InvalidInputError('login-page is started by the server for profile_login, not by hand');
  const auth = new AuthContext(process.env);
  await auth.trustState();
  const makeCurrent = Boolean(values['make-current']);
  const page = await LoginPage.start(auth, olaresId, { name: values.name, makeCurrent });
  // The page's listener and timer are unref'd (they must not hold a server open); here the page
  // is all there is, so something must hold the process until the page settles.
  const holdOpen = setInterval(() => {}, 60_000);
  let signalled = false;
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const)
    process.once(signal, () => {
      signalled = true;
      page.close();
    });
  const keepUntil = Date.now() + MIN_RECORD_LIFE_MS;
  const record: PendingLogin = {
    id,
    pid: process.pid,
    olaresId: page.olaresId,
    name: values.name,
    makeCurrent,
    port: Number(new URL(page.url).port),
    url: page.url,
    createdAt: Date.now(),
    expiresAt: page.expiresAt,
  };
  try {
    await writePendingLogin(auth.home, record);
    await page.done.catch(() => {});
    // Closed by a signal (the cap, a test's cleanup): whoever sent it has read the record.
    if (!signalled && Date.now() < keepUntil) await keepEndedRecord(auth.home, record, keepUntil);
    await removePendingLogin(auth.home, id);
  } finally {
    if (page.pending) page.close(); // a failed write: the link must not outlive its record
    clearInterval(holdOpen);
    // A success's answer is already on its way; give it a moment to flush, then leave whatever
    // else (a browser's keep-alive socket, a failed write) might hold the process.
    setTimeout(() => process.exit(), 1_500);
  }
}

/**
 * Ended at once (a very short OLARES_LOGIN_TTL_MS): the server that spawned us may not have read
 * the link yet. Readers see an expiry now passed, so nobody else is offered it.
 */
async function keepEndedRecord(home: string, record: PendingLogin, until: number): Promise<void> {
  await writePendingLogin(home, { ...record, expiresAt: Math.min(record.expiresAt, Date.now()) });
  await new Promise((r) => setTimeout(r, until - Date.now()));
}
