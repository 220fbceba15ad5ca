// Bindings of bearer-token principals (issuer + subject) to this instance's owner. Remote mode
// serves a bearer token only once its (iss, sub) is bound: through the private connect page, or
// by the owner with `olares-mcp remote bind` where the server's state lives. The file home keeps
// them in <home>/bindings.json (0600, written under a lock); the shared store, one key each.
import { createHash } from 'node:crypto';
import { InvalidInputError, OlaresMcpError } from '../errors.js';
import { ChangeCache, writeFileAtomic } from './fsutil.js';
import { homePaths } from './home.js';
import { acquireLock } from './lock.js';
import { trustFileSync, trustStateDirs } from './stateDir.js';

export interface Principal {
  /** The token issuer, exactly as its tokens' `iss` claim says it. */
  iss: string;
  /** The subject at that issuer, exactly as the `sub` claim. */
  sub: string;
}

export interface PrincipalBindings {
  /** true when it was not bound before. */
  bindPrincipal(principal: Principal): Promise<boolean>;
  /** true when a binding was dropped. */
  revokePrincipal(principal: Principal): Promise<boolean>;
  isBound(principal: Principal): Promise<boolean>;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
const CONTROL = /[\p{Cc}\s]/u;

/**
 * Refuses what no issuer's token could carry: an issuer that is not an https URL (plain http
 * only on loopback, for a test issuer), or a subject that is empty, too long or has spaces or
 * control characters. Values are compared as written, as OAuth compares them.
 */
export function checkPrincipal(p: { iss?: unknown; sub?: unknown }): Principal {
  const iss = typeof p.iss === 'string' ? p.iss : '';
  const sub = typeof p.sub === 'string' ? p.sub : '';
  let url: URL | undefined;
  try {
    url = new URL(iss);
  } catch {
    url = undefined;
  }
  const https = url?.protocol === 'https:' || (url?.protocol === 'http:' && LOOPBACK.has(url.hostname));
  if (!url || !https || url.username || url.password || url.search || url.hash || CONTROL.test(iss))
    throw new InvalidInputError(
      `the issuer "${iss}" is not an https URL. Fix: pass --iss with the issuer exactly as its tokens' iss claim says (https://..., no query or fragment)`,
    );
  if (!sub || sub.length > 255 || CONTROL.test(sub))
    throw new InvalidInputError(
      'the subject must be 1 to 255 characters without spaces or control characters. Fix: pass --sub with the sub claim of the tokens to serve',
    );
  return { iss, sub };
}

/** A fixed-length name for a principal: store keys and file entries need no escaping. */
export const principalId = (p: Principal) => createHash('sha256').update(`${p.iss}\n${p.sub}`).digest('hex');

interface BindingEntry extends Principal {
  boundAt: string;
}

export class FilePrincipalBindings implements PrincipalBindings {
  private readonly path: string;
  private readonly cache = new ChangeCache<BindingEntry[]>(trustFileSync);

  constructor(private readonly home: string) {
    this.path = `${home}/bindings.json`;
  }

  private async read(): Promise<BindingEntry[]> {
    await trustStateDirs(this.home);
    const entries = await this.cache.read(this.path, (data) => {
      let parsed: { bindings?: unknown };
      try {
        parsed = JSON.parse(data.toString('utf8'));
      } catch (err) {
        throw new BindingsCorruptError(this.path, (err as Error).message);
      }
      if (!Array.isArray(parsed?.bindings))
        throw new BindingsCorruptError(this.path, '"bindings" is not a list');
      return parsed.bindings as BindingEntry[];
    });
    return entries ?? [];
  }

  private async change(edit: (entries: BindingEntry[]) => BindingEntry[]): Promise<boolean> {
    const locks = homePaths(this.home).locks;
    const lock = await acquireLock(locks, 'bindings', 'bindings', { staleMs: 10_000, waitMs: 10_000 });
    try {
      const before = await this.read();
      const after = edit(before);
      if (after.length === before.length) return false;
      await writeFileAtomic(this.path, `${JSON.stringify({ bindings: after }, null, 2)}\n`, 0o600);
      return true;
    } finally {
      await lock.release();
    }
  }

  bindPrincipal(principal: Principal): Promise<boolean> {
    const p = checkPrincipal(principal);
    return this.change((entries) =>
      entries.some((e) => same(e, p)) ? entries : [...entries, { ...p, boundAt: new Date().toISOString() }],
    );
  }

  revokePrincipal(principal: Principal): Promise<boolean> {
    const p = checkPrincipal(principal);
    return this.change((entries) => entries.filter((e) => !same(e, p)));
  }

  async isBound(principal: Principal): Promise<boolean> {
    return (await this.read()).some((e) => same(e, principal));
  }
}

/** A damaged bindings file is refused, never rewritten: every binding in it would be lost. */
export class BindingsCorruptError extends OlaresMcpError {
  constructor(path: string, reason: string) {
    super(
      `the principal bindings ${path} are not valid (${reason}); the file was left untouched and no bearer token is served meanwhile. Fix: repair the JSON by hand, or move it aside and bind again (olares-mcp remote bind --iss ISSUER --sub SUBJECT)`,
      { code: 'bindings_corrupt' },
    );
  }
}

const same = (a: Principal, b: Principal) => a.iss === b.iss && a.sub === b.sub;
