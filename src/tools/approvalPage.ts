// Approval links: how a user who cannot be shown a form says yes to one risky change. The gate
// opens a loopback page naming the tool, the change and every target; the user clicks Approve;
// the agent calls the tool again with the same arguments and the gate finds the approval.
//
// An approval is bound to the tool, its canonical arguments and the identity the call runs as
// (one hash), is used up by the first call that finds it, and expires with the page's TTL. So
// an agent cannot reuse a yes for another target, another profile or a second run.
import { createHash } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import {
  type ClosablePage,
  escapeHtml,
  hostIsOurs,
  LOOPBACK_HOST,
  listenLoopback,
  openInBrowser,
  originIsOurs,
  pathTokenMatches,
  randomToken,
  readForm,
  registerPage,
  safeEqual,
  sendPage,
  unregisterPage,
} from '../auth/loopback.js';
import { escapeInvisible } from './boxText.js';

export interface ApprovalRequest {
  tool: string;
  /** The olaresId the call runs as (or how it names its profile when that cannot be resolved). */
  identity: string;
  args: Record<string, unknown>;
  /** The change asked about: the same call asking about another change needs its own yes. */
  change: { question: string; targets: string[] };
  /** What the page shows: the question, the targets, the details. */
  message: string;
  /** Values the handler chose and showed (a share's link password); handed back on approval. */
  memo?: Record<string, string>;
  ttlMs: number;
  /** OLARES_OPEN_BROWSER: also open a new page in the desktop's browser. */
  openBrowser?: boolean;
}

export type ApprovalAnswer =
  | { approved: true; memo?: Record<string, string> }
  | { url: string; expiresAt: string };

/** JSON with sorted keys at every level, so {a,b} and {b,a} bind the same approval. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

export function approvalKey(req: Pick<ApprovalRequest, 'tool' | 'identity' | 'args' | 'change'>): string {
  const { profile: _named, ...args } = req.args;
  const bound = { tool: req.tool, identity: req.identity, args, change: req.change };
  return createHash('sha256').update(canonical(bound)).digest('hex');
}

class ApprovalPage implements ClosablePage {
  readonly url: string;
  approved = false;
  /** The user pressed Refuse: the next call asks again with a new page. */
  refused = false;
  private closed = false;
  private csrf = randomToken();

  constructor(
    private readonly server: Server,
    private readonly port: number,
    private readonly pathToken: string,
    private readonly req: ApprovalRequest,
    private readonly onEnd: (page: ApprovalPage) => void,
  ) {
    this.url = `http://${LOOPBACK_HOST}:${port}/approve/${pathToken}`;
    server.on('request', (r, res) => {
      this.handle(r, res).catch(() => {
        if (!res.headersSent) sendPage(res, 500, 'Something went wrong', '<p>Ask your agent again.</p>');
      });
    });
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.server.close();
    this.server.closeAllConnections?.();
    this.onEnd(this);
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    if (!hostIsOurs(req, this.port))
      // Never echo the path token to a page that reached us under another name.
      return sendPage(
        res,
        421,
        'Wrong address',
        `<p>Open the link exactly as given (http://${LOOPBACK_HOST}:${this.port}/...).</p>`,
      );
    if (!pathTokenMatches(req, this.port, '/approve/', this.pathToken))
      return sendPage(res, 404, 'Not found', '<p>This is not an approval link.</p>');
    if (this.approved || this.refused || this.closed)
      return sendPage(res, 410, 'Link used or expired', '<p>This approval link cannot be used again.</p>');
    if (req.method === 'GET') return this.form(res);
    if (req.method !== 'POST') return sendPage(res, 405, 'Method not allowed', '');
    if (!originIsOurs(req, this.port))
      return sendPage(res, 403, 'Refused', '<p>Cross-site form posts are refused.</p>');
    const fields = await readForm(req);
    if (!fields) return sendPage(res, 413, 'Refused', '<p>The form was too large.</p>');
    if (!safeEqual(fields.get('csrf') ?? '', this.csrf))
      return sendPage(res, 409, 'Form out of date', '<p>Reload the link and try again.</p>');
    if (fields.get('decision') === 'approve') {
      this.approved = true;
      sendPage(
        res,
        200,
        'Approved',
        `<p>Approved once. Go back to your agent: it runs <b>${escapeHtml(this.req.tool)}</b> when it calls again with the same arguments.</p>`,
      );
    } else {
      this.refused = true;
      sendPage(res, 200, 'Refused', '<p>Nothing was changed. You can close this tab.</p>');
    }
    setTimeout(() => this.close(), 1000).unref();
  }

  private form(res: ServerResponse) {
    const shown = escapeHtml(escapeInvisible(this.req.message));
    sendPage(
      res,
      200,
      'Approve a change?',
      `<p>Your agent asks to run <b>${escapeHtml(this.req.tool)}</b> as <b>${escapeHtml(this.req.identity)}</b>:</p>
<pre>${shown}</pre>
<p>Approve only if you asked for exactly this. The approval is good for one call with these arguments.</p>
<form method="post" action="/approve/${this.pathToken}">
<input type="hidden" name="csrf" value="${this.csrf}">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Refuse</button>
</form>`,
    );
  }
}

interface Entry {
  page: ApprovalPage;
  memo?: Record<string, string>;
  expiresAt: number;
  timer: NodeJS.Timeout;
}

/** Open and approved-but-unused approvals by binding key. */
const book = new Map<string, Entry>();

function forget(key: string, entry: Entry) {
  if (book.get(key) !== entry) return;
  book.delete(key);
  clearTimeout(entry.timer);
  entry.page.close();
}

/** Finds (and uses up) the approval for this exact call, or opens a page asking for it. */
export async function requestApproval(req: ApprovalRequest): Promise<ApprovalAnswer> {
  const key = approvalKey(req);
  const found = book.get(key);
  if (found && !found.page.refused && Date.now() < found.expiresAt) {
    if (found.page.approved) {
      forget(key, found);
      return { approved: true, memo: found.memo };
    }
    return { url: found.page.url, expiresAt: new Date(found.expiresAt).toISOString() };
  }
  if (found) forget(key, found);
  const { server, port } = await listenLoopback();
  const expiresAt = Date.now() + req.ttlMs;
  const entry = {} as Entry;
  entry.page = new ApprovalPage(server, port, randomToken(), req, (page) => {
    unregisterPage(page);
    // A page closed before the user approved (expiry, refusal, a newer page) leaves no approval.
    if (!page.approved) forget(key, entry);
  });
  entry.memo = req.memo;
  entry.expiresAt = expiresAt;
  entry.timer = setTimeout(() => forget(key, entry), req.ttlMs);
  entry.timer.unref();
  book.set(key, entry);
  registerPage(entry.page);
  if (req.openBrowser) openInBrowser(entry.page.url);
  return { url: entry.page.url, expiresAt: new Date(expiresAt).toISOString() };
}
