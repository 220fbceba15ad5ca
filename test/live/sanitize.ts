// Makes a real box's answer safe to commit as a `captured` fixture: no token, no cookie, no
// user, domain or file names. What stays is what a fixture is for: statuses, field names, types.

const SECRET_HEADERS = new Set(['set-cookie', 'cookie', 'authorization', 'x-authorization', 'x-auth-token']);
/** Fields whose values name the user's files or the user. */
const NAME_KEYS = new Set([
  'name',
  'path',
  'filePath',
  'filename',
  'dst_filename',
  'source',
  'dest',
  'owner',
  'olaresId',
  'did',
  'sync_repo_name',
  'smb_link',
  'avatar',
  'loginBackground',
]);
const JWT = /\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*/g;

export interface Identity {
  /** e.g. `alice@olares.com` */
  olaresId: string;
}

export interface Captured {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export function sanitizeAnswer(answer: Captured, who: Identity): Captured {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(answer.headers)) {
    const name = k.toLowerCase();
    if (SECRET_HEADERS.has(name)) continue;
    if (name === 'content-type' || name === 'content-range' || name === 'accept-ranges') headers[name] = v;
    else if (name === 'location') headers[name] = scrub(v.replace(/\/files\/[^/]+\//, '/files/TOKEN/'), who);
  }
  const names = new Map<string, string>();
  const rename = (v: string) => {
    if (!names.has(v)) names.set(v, placeholderFor(v, names.size + 1));
    return names.get(v)!;
  };
  const walk = (v: unknown, key?: string): unknown => {
    if (typeof v === 'string') return key && NAME_KEYS.has(key) && v ? rename(v) : scrub(v, who);
    if (Array.isArray(v)) return v.map((x) => walk(x, key));
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    return v;
  };
  // A raw file body is the user's content: only its length is kept.
  const body =
    typeof answer.body === 'string' && !/json/.test(answer.headers['content-type'] ?? '')
      ? `(${Buffer.byteLength(answer.body)} bytes of file content, not recorded)`
      : walk(answer.body);
  return { status: answer.status, headers, body };
}

/** `Report 2026.pdf` -> `name-3.pdf`, `/Documents/x/` -> `/path-4/`: kind of value kept. */
function placeholderFor(v: string, n: number): string {
  const dir = v.endsWith('/');
  const ext = /\.[A-Za-z0-9]{1,8}$/.exec(v.replace(/\/$/, ''))?.[0] ?? '';
  if (v.startsWith('/')) return `/path-${n}${ext}${dir ? '/' : ''}`;
  return `name-${n}${ext}${dir ? '/' : ''}`;
}

function scrub(v: string, who: Identity): string {
  const [local, domain] = who.olaresId.split('@');
  let out = v.replace(JWT, 'REDACTED-TOKEN');
  if (domain) out = out.split(domain).join('example.invalid');
  if (local) out = out.replace(new RegExp(`\\b${escapeRegExp(local)}\\b`, 'g'), 'user');
  return out;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
