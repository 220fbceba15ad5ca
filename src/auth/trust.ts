// Which auth hosts may receive a credential (password hash, refresh token) without the user
// confirming that exact host first (the security review, README "Security model" C1, M5). Anyone can register an
// Olares ID under any domain, olares.com included, so nothing is trusted by default: only hosts
// the user already chose (a profile's auth host, a fixed-host URL template, OLARES_TRUSTED_DOMAINS).
import type { ConfigFile } from './config.js';
import { type OlaresIdentity, parseOlaresId, serviceBaseUrl, type UrlOptions } from './identity.js';

const IDENTITY_PLACEHOLDERS = ['{local}', '{domain}', '{terminus}', '{prefix}'];

/** Where a credential for an identity would go, and whether that host is already trusted. */
export interface AuthTarget {
  olaresId: string;
  /** Base URL of the auth service, e.g. https://auth.alice.olares.com */
  url: string;
  /** `http:` or `https:` */
  scheme: string;
  /** host[:port] as in the URL */
  host: string;
  trusted: boolean;
  /** Why it is trusted, for the login page and doctor. */
  trustedBecause?: 'profile' | 'url-template' | 'OLARES_TRUSTED_DOMAINS';
}

export interface TrustSources {
  profiles: ConfigFile['profiles'];
  /** UrlOptions for a profile (template, prefix, override): the same derivation calls use. */
  urlOptions(profile?: ConfigFile['profiles'][number]): UrlOptions;
  template?: string;
  trustedDomains: readonly string[];
  /** OLARES_ID of the env credential provider: configured by the user like a profile. */
  envOlaresId?: string;
}

/** The template's host part, when no identity placeholder can change it. */
export function fixedTemplateAuthHost(template: string | undefined): string | undefined {
  if (!template) return undefined;
  const afterScheme = template.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const hostPart = afterScheme.split(/[/?#]/)[0];
  if (IDENTITY_PLACEHOLDERS.some((p) => hostPart.includes(p))) return undefined;
  try {
    return new URL(serviceBaseUrl(parseOlaresId('x@example.com'), 'auth', { template })).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/** `auth.example.com` matches itself (any port); `*.example.com` matches hosts under it. */
export function matchesTrustedDomain(url: URL, entry: string): boolean {
  const [name, port] = entry.split(':');
  if (port !== undefined && port !== (url.port || (url.protocol === 'https:' ? '443' : '80'))) return false;
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (name.startsWith('*.')) return host.endsWith(name.slice(1)) && host.length > name.length - 1;
  return host === name;
}

function profileAuthHosts(src: TrustSources): Set<string> {
  const hosts = new Set<string>();
  const ids = src.profiles.map((p) => ({ profile: p, id: p.olaresId }));
  if (src.envOlaresId) ids.push({ profile: { olaresId: src.envOlaresId }, id: src.envOlaresId });
  for (const { profile, id } of ids) {
    try {
      const url = serviceBaseUrl(parseOlaresId(id), 'auth', src.urlOptions(profile));
      hosts.add(new URL(url).host.toLowerCase());
    } catch {
      // A profile whose id or override does not form a URL vouches for no host.
    }
  }
  return hosts;
}

/** Pure string work: no DNS lookup, no connection. */
export function authTarget(identity: OlaresIdentity, src: TrustSources): AuthTarget {
  const own = src.profiles.find((p) => p.olaresId === identity.olaresId);
  const url = serviceBaseUrl(identity, 'auth', src.urlOptions(own));
  const parsed = new URL(url);
  const host = parsed.host.toLowerCase();
  const target = { olaresId: identity.olaresId, url, scheme: parsed.protocol, host };
  if (profileAuthHosts(src).has(host)) return { ...target, trusted: true, trustedBecause: 'profile' };
  if (fixedTemplateAuthHost(src.template) === host)
    return { ...target, trusted: true, trustedBecause: 'url-template' };
  if (src.trustedDomains.some((d) => matchesTrustedDomain(parsed, d)))
    return { ...target, trusted: true, trustedBecause: 'OLARES_TRUSTED_DOMAINS' };
  return { ...target, trusted: false };
}
