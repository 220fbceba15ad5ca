// The HTML both sign-in pages draw: the stdio server's loopback login page (loginPage.ts) and
// serve --http's connect page (connectPage.ts). One shell, one form, one notice of where the
// password goes, so the two pages cannot drift apart in what they tell the person typing.
import type { AuthTarget } from './trust.js';

/** Failed password or TOTP attempts after which a sign-in link is dead. */
export const MAX_LOGIN_ATTEMPTS = 5;

export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Headers of every page: never cached, never framed, no referrer, nothing but inline style. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
};

/** `body` is HTML the caller built with escapeHtml; `title` is escaped here. */
export function pageHtml(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>olares-mcp: ${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}input{font-size:1.1rem;padding:.4rem;width:100%;box-sizing:border-box}button{margin-top:1rem;font-size:1rem;padding:.5rem 1rem}.err{color:#b00}.warn{background:#fff3cd;border:2px solid #b00;padding:.5rem}label{display:block;margin-top:.8rem}pre{white-space:pre-wrap;word-break:break-all;background:#f4f4f4;padding:.5rem}</style></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

export type LoginStep = 'password' | 'totp';

export interface LoginFormInput {
  step: LoginStep;
  olaresId: string;
  /** Where the form posts (the page's own path). */
  action: string;
  csrf: string;
  /** What the page says above the form: where the secret goes (destinationNotice). */
  notice: string;
  error?: string;
}

/**
 * The password step asks the person to type the olaresId (their confirmation of the identity and
 * its auth host, security review M5) beside the password; the TOTP step asks for the code only.
 */
export function loginForm(input: LoginFormInput): { title: string; body: string } {
  const totp = input.step === 'totp';
  const field = totp
    ? '<label>Two-factor code<br><input name="totp" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" autofocus required></label>'
    : `<label>Type the olaresId you are signing in to<br><input name="olaresId" autocomplete="off" spellcheck="false" placeholder="${escapeHtml(input.olaresId)}" autofocus required></label>
<label>Password<br><input name="password" type="password" autocomplete="current-password" required></label>`;
  const body = `${input.notice}
${input.error ? `<p class="err">${escapeHtml(input.error)}</p>` : ''}
<form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrf)}"><input type="hidden" name="step" value="${input.step}">
${field}
<button type="submit">${totp ? 'Verify' : 'Sign in'}</button>
</form>`;
  return { title: totp ? 'Two-factor code' : 'Sign in to Olares', body };
}

/** Scheme and host in full, and a warning the person cannot miss when the host is new (M5, L7). */
export function destinationNotice(olaresId: string, target: AuthTarget, secret: 'password' | 'code'): string {
  const { scheme, host, trusted } = target;
  const where = `<b>${escapeHtml(`${scheme}//${host}`)}</b>`;
  const lines = [
    `<p>Sign in to <b>${escapeHtml(olaresId)}</b>. This page sends your ${secret} to ${where} only; your agent never sees it.</p>`,
  ];
  if (scheme === 'http:')
    lines.push(
      '<p class="warn">This connection is plain http: your password travels unencrypted. Continue only on a network you trust.</p>',
    );
  if (!trusted)
    lines.push(
      `<p class="warn" id="new-host"><b>New host:</b> no profile uses ${escapeHtml(host)} yet and it is not in OLARES_TRUSTED_DOMAINS. Your agent chose it. Sign in only if this is your own Olares box; if you did not ask for this login, close this page.</p>`,
    );
  return lines.join('\n');
}
