// olaresId parsing and per-service base URLs (docs/wire/auth.md#identity-and-urls). Lives in the auth floor
// because login and refresh need the auth host; transport uses the same derivation.
import { InvalidOlaresIdError } from './errors.js';

const SERVICES = [
  'auth',
  'desktop',
  'files',
  'market',
  'dashboard',
  'control-hub',
  'settings',
  'vault',
] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface OlaresIdentity {
  olaresId: string;
  local: string;
  domain: string;
  /** `<local>.<domain>`, e.g. alice.olares.com */
  terminus: string;
}

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;

export function parseOlaresId(raw: unknown): OlaresIdentity {
  if (typeof raw !== 'string' || raw.trim() === '') throw new InvalidOlaresIdError('olaresId is empty');
  const id = raw.trim();
  const parts = id.split('@');
  if (parts.length > 2) throw new InvalidOlaresIdError(`olaresId "${id}" contains more than one '@'`);
  const local = parts[0];
  const domain = parts.length === 2 ? parts[1] : 'olares.com';
  // Both halves end up in host names: refuse anything a host name cannot hold.
  if (!LABEL.test(local)) {
    throw new InvalidOlaresIdError(
      `olaresId "${id}" has an invalid name "${local}" (letters, digits and '-' only)`,
    );
  }
  if (domain === '' || !domain.split('.').every((l) => LABEL.test(l))) {
    throw new InvalidOlaresIdError(`olaresId "${id}" has an invalid domain "${domain}"`);
  }
  const olaresId = `${local}@${domain}`;
  return { olaresId, local, domain, terminus: `${local}.${domain}` };
}

const DEFAULT_URL_TEMPLATE = 'https://{service}.{prefix}{terminus}';

export interface UrlOptions {
  template?: string;
  /** Per-profile local URL prefix, with its own trailing dot (e.g. `dev.`). */
  prefix?: string;
  /** Replaces the auth base URL only (olares-cli --auth-url-override). */
  authUrlOverride?: string;
}

export function serviceBaseUrl(
  identity: OlaresIdentity,
  service: ServiceName,
  opts: UrlOptions = {},
): string {
  if (service === 'auth' && opts.authUrlOverride) return opts.authUrlOverride.replace(/\/+$/, '');
  const template = opts.template || DEFAULT_URL_TEMPLATE;
  const url = template
    .replaceAll('{service}', service)
    .replaceAll('{local}', identity.local)
    .replaceAll('{domain}', identity.domain)
    .replaceAll('{terminus}', identity.terminus)
    .replaceAll('{prefix}', opts.prefix ?? '')
    .replace(/\/+$/, '');
  const base = service === 'vault' && template === DEFAULT_URL_TEMPLATE ? `${url}/server` : url;
  return base;
}

/** Loopback and private ranges, where plain http stays on the user's own network (L7). */
export function isLocalNetworkHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1') return true;
  const v4 = h.match(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
  }
  return /^f[cd][0-9a-f]{0,2}:/.test(h); // fc00::/7
}

/** Why a URL may not carry credentials in clear text, or undefined when it may. */
export function plainHttpProblem(url: string, allowHttp: boolean): string | undefined {
  const u = new URL(url);
  if (u.protocol !== 'http:' || allowHttp || isLocalNetworkHost(u.hostname)) return undefined;
  return `${u.origin} is plain http outside loopback and private networks: passwords and tokens would cross the network unencrypted`;
}

/** Validates OLARES_URL_TEMPLATE once at start-up so a typo fails loudly, not on the first call. */
export function checkUrlTemplate(template: string, opts: { allowHttp?: boolean } = {}): string | undefined {
  if (!template.includes('{service}')) return 'OLARES_URL_TEMPLATE must contain {service}';
  let sample: string;
  try {
    sample = serviceBaseUrl(parseOlaresId('alice@olares.com'), 'auth', { template });
    const u = new URL(sample);
    if (u.protocol !== 'https:' && u.protocol !== 'http:')
      return 'OLARES_URL_TEMPLATE must be an http(s) URL';
  } catch {
    return `OLARES_URL_TEMPLATE "${template}" does not form a valid URL`;
  }
  const http = plainHttpProblem(sample, Boolean(opts.allowHttp));
  if (http)
    return `OLARES_URL_TEMPLATE "${template}": ${http}. Fix: use https, or set OLARES_ALLOW_HTTP=1 if this network is private`;
  return undefined;
}

/** The desktop URL login bodies carry; always without prefix (docs/wire/auth.md#target-url). */
export const desktopTargetUrl = (identity: OlaresIdentity) => `https://desktop.${identity.terminus}`;
