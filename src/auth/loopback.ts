// What every one-shot loopback page (the login page, the approval page) shares: a listener on
// 127.0.0.1 at a port the OS picks, an unguessable path token, the Host and Origin checks that
// stop DNS rebinding and cross-site posts, a bounded form reader, and one HTML shell sent with
// no-store and a strict CSP. Also the registry that caps how many such pages are open at once
// (security review L5: each holds a socket; unbounded, they exhaust file descriptors).
import { spawn } from 'node:child_process';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PAGE_HEADERS, pageHtml } from './pageHtml.js';

export const LOOPBACK_HOST = '127.0.0.1';
const MAX_FORM_BYTES = 16 * 1024;

/** 192 random bits, URL-safe: path tokens and CSRF values. */
export const randomToken = () => randomBytes(24).toString('base64url');

/** Constant-time for equal lengths; only the (fixed) length can leak. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export { escapeHtml } from './pageHtml.js';

/** Bound to loopback only, on a port the OS picks; never configurable. */
export async function listenLoopback(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK_HOST, resolve);
  });
  server.unref();
  return { server, port: (server.address() as AddressInfo).port };
}

/** DNS rebinding: a page on another origin that resolves to 127.0.0.1 sends its own Host. */
export const hostIsOurs = (req: IncomingMessage, port: number) =>
  req.headers.host === `${LOOPBACK_HOST}:${port}`;

/** A browser posting from any other origin is refused; a missing Origin (old browsers) is not. */
export function originIsOurs(req: IncomingMessage, port: number): boolean {
  const origin = req.headers.origin;
  return !origin || origin === `http://${LOOPBACK_HOST}:${port}`;
}

/** The path token after `prefix` (e.g. "/login/"), compared in constant time. */
export function pathTokenMatches(req: IncomingMessage, port: number, prefix: string, expected: string) {
  const url = new URL(req.url ?? '/', `http://${LOOPBACK_HOST}:${port}`);
  const given = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : '';
  return Boolean(given) && safeEqual(given, expected);
}

/** The posted form, or undefined when it is larger than any form these pages draw. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** `body` is HTML the caller built with escapeHtml; `title` is escaped by pageHtml. */
export function sendPage(res: ServerResponse, status: number, title: string, body: string) {
  res.writeHead(status, PAGE_HEADERS);
  res.end(pageHtml(title, body));
}

/** Opt-in (OLARES_OPEN_BROWSER=1): hand the link to the desktop's browser, never waiting on it. */
export function openInBrowser(url: string): boolean {
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
    return true;
  } catch {
    return false;
  }
}

/** A page that can be closed early; closing it settles whatever waits on it. */
export interface ClosablePage {
  close(reason?: Error): void;
}

export const MAX_PENDING_PAGES = 3;

/** A login page held by another process (pendingLogins.ts), known only through its record. */
export interface DetachedPage {
  createdAt: number;
  close(): void;
}

let detachedPages: () => DetachedPage[] = () => [];

/** Set once by the server: where the records of detached pages live. */
export function setDetachedPages(source: () => DetachedPage[]): void {
  detachedPages = source;
}

/**
 * Login and approval pages together, in this process and detached, oldest first. Opening one
 * more than the cap closes the oldest, so a looping agent holds at most three sockets and the
 * user's newest link always works.
 */
const open: { page: ClosablePage; createdAt: number }[] = [];

/** Closes the oldest pages until `incoming` more fit under the cap. */
export function makeRoomForPages(incoming = 1): void {
  const all = [
    ...open.map((e) => ({ createdAt: e.createdAt, close: () => closeInProcess(e.page) })),
    ...detachedPages(),
  ].sort((a, b) => a.createdAt - b.createdAt);
  while (all.length + incoming > MAX_PENDING_PAGES) all.shift()?.close();
}

function closeInProcess(page: ClosablePage): void {
  unregisterPage(page);
  page.close();
}

export function registerPage(page: ClosablePage): void {
  makeRoomForPages(1);
  open.push({ page, createdAt: Date.now() });
}

/** Called when a page finishes or expires, so it no longer counts. */
export function unregisterPage(page: ClosablePage): void {
  const i = open.findIndex((e) => e.page === page);
  if (i >= 0) open.splice(i, 1);
}

export const pendingPageCount = () => open.length + detachedPages().length;
