// Fills the loopback login page the way a browser would: GET the form, POST it back with its
// hidden fields. Uses node:http directly so tests can also send a forged Host header.
import { request } from 'node:http';

export interface PageResponse {
  status: number;
  html: string;
}

export function pageRequest(
  url: string,
  opts: { method?: string; body?: string; host?: string; origin?: string } = {},
): Promise<PageResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host: opts.host ?? u.host };
    if (opts.body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = String(Buffer.byteLength(opts.body));
    }
    if (opts.origin) headers.origin = opts.origin;
    const req = request(
      {
        hostname: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: opts.method ?? 'GET',
        headers,
      },
      (res) => {
        let html = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          html += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, html }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

export function hiddenFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) out[m[1]] = m[2];
  return out;
}

/** The olaresId the page asks the user to confirm, as a person would read it off the page. */
export function pageOlaresId(html: string): string | undefined {
  return html.match(/Sign in to <b>([^<]+)<\/b>/)?.[1];
}

/**
 * Submits one step (password or totp) of the page currently shown at `url`. The password step
 * also types the olaresId: `typedId`, or by default the one the page names (a user who checked it).
 */
export async function submitStep(
  url: string,
  field: 'password' | 'totp',
  value: string,
  typedId?: string,
): Promise<PageResponse> {
  const page = await pageRequest(url);
  if (page.status !== 200) return page;
  const fields: Record<string, string> = { ...hiddenFields(page.html), [field]: value };
  if (field === 'password') fields.olaresId = typedId ?? pageOlaresId(page.html) ?? '';
  return pageRequest(url, { method: 'POST', body: new URLSearchParams(fields).toString() });
}

/** olaresId, password, then TOTP when the page asks for it. */
export async function completeLogin(
  url: string,
  password: string,
  totp?: () => Promise<string>,
  typedId?: string,
): Promise<PageResponse> {
  let res = await submitStep(url, 'password', password, typedId);
  if (res.html.includes('name="totp"')) {
    if (!totp) throw new Error('the page asked for a TOTP code');
    res = await submitStep(url, 'totp', await totp());
  }
  return res;
}
