// The profile index: <home>/config.json. No secrets live here.
import { OlaresMcpError } from '../errors.js';
import {
  ConfigCorruptError,
  HomeNotWritableError,
  InvalidProfileNameError,
  NoProfileError,
  ProfileNotFoundError,
} from './errors.js';
import { ChangeCache, writeFileAtomic } from './fsutil.js';
import { homePaths } from './home.js';
import { parseOlaresId } from './identity.js';
import { acquireLock } from './lock.js';
import { trustFileSync, trustStateDirs } from './stateDir.js';

export type TokenBackend = 'keychain' | 'file' | 'redis';

export interface Profile {
  name?: string;
  olaresId: string;
  localUrlPrefix?: string;
  authUrlOverride?: string;
  insecureSkipVerify?: boolean;
  /** Where this profile's token record lives; set on every login/import. */
  tokenStore?: TokenBackend;
}

export interface ConfigFile {
  currentProfile?: string;
  previousProfile?: string;
  profiles: Profile[];
}

export const displayName = (p: Profile) => p.name || p.olaresId;

/** olaresIds resolve before names, so no name can shadow another profile's identity (L4). */
export function findProfile(cfg: ConfigFile, key: string): Profile | undefined {
  const k = key.trim();
  return cfg.profiles.find((p) => p.olaresId === k) ?? cfg.profiles.find((p) => p.name === k);
}

/** A name may not read as another identity, nor be another profile's name or olaresId (L4). */
export function assertProfileName(cfg: ConfigFile, olaresId: string, name: string): void {
  // A name is shown in pages, terminals and process arguments: no control characters.
  if (/\p{Cc}/u.test(name))
    throw new InvalidProfileNameError(name.replace(/\p{Cc}/gu, '?'), 'contains control characters');
  if (name.includes('@')) {
    let parsed: string | undefined;
    try {
      parsed = parseOlaresId(name).olaresId;
    } catch {
      throw new InvalidProfileNameError(name, "contains '@' but is not an olaresId");
    }
    if (parsed !== olaresId) throw new InvalidProfileNameError(name, `reads as another identity (${parsed})`);
  }
  const other = cfg.profiles.find((p) => p.olaresId !== olaresId && (p.name === name || p.olaresId === name));
  if (other) throw new InvalidProfileNameError(name, `is already used by the profile for ${other.olaresId}`);
}

export function currentProfile(cfg: ConfigFile): Profile | undefined {
  if (!cfg.currentProfile) return cfg.profiles[0];
  return findProfile(cfg, cfg.currentProfile);
}

function validate(raw: unknown, path: string): ConfigFile {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new ConfigCorruptError(path, 'top level is not an object');
  const o = raw as Record<string, unknown>;
  const profiles = o.profiles ?? [];
  if (!Array.isArray(profiles)) throw new ConfigCorruptError(path, '"profiles" is not an array');
  for (const [i, p] of profiles.entries()) {
    if (!p || typeof p !== 'object' || typeof (p as Profile).olaresId !== 'string') {
      throw new ConfigCorruptError(path, `profiles[${i}] has no olaresId`);
    }
    const problem = urlOverrideProblem(p as Profile);
    if (problem)
      throw new ConfigCorruptError(path, `profiles[${i}] (${(p as Profile).olaresId}): ${problem}`);
  }
  for (const k of ['currentProfile', 'previousProfile'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'string')
      throw new ConfigCorruptError(path, `"${k}" is not a string`);
  }
  return {
    currentProfile: o.currentProfile as string | undefined,
    previousProfile: o.previousProfile as string | undefined,
    profiles: profiles as Profile[],
  };
}

const PREFIX = /^([a-z0-9-]+\.)*$/i;

/**
 * config.json's URL overrides steer where tokens are sent, so they are held to what a person
 * would configure: a host-label prefix, and an http(s) auth URL with no user name or password.
 * The text names the field, never a user name or password an override may carry.
 */
function urlOverrideProblem(p: Profile): string | undefined {
  if (
    p.localUrlPrefix !== undefined &&
    (typeof p.localUrlPrefix !== 'string' || !PREFIX.test(p.localUrlPrefix))
  )
    return 'localUrlPrefix must be host labels each followed by a dot (e.g. "dev."), or empty';
  if (p.authUrlOverride === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(String(p.authUrlOverride));
  } catch {
    return 'authUrlOverride is not a URL';
  }
  if (url.username || url.password) return 'authUrlOverride must not carry a user name or password';
  // Plain http is judged where the URL is used (identity.ts plainHttpProblem), by the same rule
  // as OLARES_URL_TEMPLATE: local networks, or OLARES_ALLOW_HTTP=1.
  if (url.protocol === 'https:' || url.protocol === 'http:') return undefined;
  return `authUrlOverride ${url.protocol}//${url.host} must be an https URL; fix or remove the field`;
}

/**
 * Where the profile index is kept: config.json in the home, or one key of the shared store.
 * `update` runs `change` on the current text and writes what it returns, atomically with respect
 * to every other writer (a lock, or a compare-and-set that re-runs `change` on a conflict).
 */
export interface ProfileDocument {
  /** Named in messages: a path, or the store key. */
  readonly where: string;
  /** The stored text, undefined when there is none yet. */
  read(): Promise<string | undefined>;
  update(change: (text: string | undefined) => Promise<string>): Promise<void>;
}

/** <home>/config.json, cached by change, written atomically under the config lock. */
export class FileProfileDocument implements ProfileDocument {
  private readonly paths: ReturnType<typeof homePaths>;
  private readonly cache = new ChangeCache<string>(trustFileSync);

  constructor(readonly home: string) {
    this.paths = homePaths(home);
  }

  get where() {
    return this.paths.config;
  }

  async read(): Promise<string | undefined> {
    await trustStateDirs(this.home);
    try {
      return await this.cache.read(this.paths.config, (data) => data.toString('utf8'));
    } catch (err) {
      if (err instanceof OlaresMcpError) throw err;
      throw new HomeNotWritableError(this.paths.config, err, 'read');
    }
  }

  async update(change: (text: string | undefined) => Promise<string>): Promise<void> {
    const lock = await acquireLock(this.paths.locks, 'config', 'config', { staleMs: 10_000, waitMs: 10_000 });
    try {
      const text = await this.read();
      await writeFileAtomic(this.paths.config, await change(text));
    } finally {
      await lock.release();
    }
  }
}

export class ProfileIndex {
  readonly paths: { config: string };

  constructor(
    readonly home: string,
    private readonly doc: ProfileDocument = new FileProfileDocument(home),
  ) {
    this.paths = { config: doc.where };
  }

  /** The last text parsed and its result: the index is read on every tool call. */
  private parsed?: { text: string; cfg: ConfigFile };

  async load(): Promise<ConfigFile> {
    const text = await this.doc.read();
    if (text === undefined) return { profiles: [] };
    if (this.parsed?.text !== text) this.parsed = { text, cfg: this.parse(text) };
    return structuredClone(this.parsed.cfg);
  }

  private parse(text: string): ConfigFile {
    if (text.trim() === '') return { profiles: [] };
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new ConfigCorruptError(this.paths.config, (err as Error).message);
    }
    return validate(raw, this.paths.config);
  }

  /** Read-modify-write that never loses another process's change (see ProfileDocument). */
  async update<T>(change: (cfg: ConfigFile) => T | Promise<T>): Promise<T> {
    let result!: T;
    await this.doc.update(async (text) => {
      const cfg = text === undefined ? { profiles: [] } : this.parse(text);
      result = await change(cfg);
      const out: Record<string, unknown> = {};
      if (cfg.currentProfile) out.currentProfile = cfg.currentProfile;
      if (cfg.previousProfile) out.previousProfile = cfg.previousProfile;
      out.profiles = cfg.profiles;
      return `${JSON.stringify(out, null, 2)}\n`;
    });
    return result;
  }

  /** The profile a call runs as: explicit key, else OLARES_PROFILE (given by caller), else current. */
  async resolve(key?: string): Promise<Profile> {
    const cfg = await this.load();
    if (key?.trim()) {
      const p = findProfile(cfg, key);
      if (!p) throw new ProfileNotFoundError(key, this.paths.config, cfg.profiles.map(displayName));
      return p;
    }
    const p = currentProfile(cfg);
    if (!p) throw new NoProfileError();
    return p;
  }

  /** Insert or replace by olaresId (order kept); switch makes it current (olares-cli sec. 10.4). */
  async upsert(
    profile: Profile,
    opts: { switchTo: boolean },
  ): Promise<{ switched: boolean; previous?: string }> {
    parseOlaresId(profile.olaresId);
    return this.update((cfg) => {
      if (profile.name) assertProfileName(cfg, profile.olaresId, profile.name);
      // The effective current profile: with no pointer written, the first profile is current.
      const effective = currentProfile(cfg);
      const idx = cfg.profiles.findIndex((p) => p.olaresId === profile.olaresId);
      if (idx >= 0) cfg.profiles[idx] = { ...cfg.profiles[idx], ...dropEmpty(profile) };
      else cfg.profiles.push(dropEmpty(profile));
      const name = displayName(idx >= 0 ? cfg.profiles[idx] : profile);
      // Renaming the current profile keeps it current under its new name.
      if (effective?.olaresId === profile.olaresId && cfg.currentProfile) cfg.currentProfile = name;
      const current = effective ? displayName(effective) : undefined;
      if (effective?.olaresId === profile.olaresId) return { switched: false };
      if ((opts.switchTo || !current) && current !== name) {
        if (current) cfg.previousProfile = current;
        cfg.currentProfile = name;
        return { switched: true, previous: current };
      }
      return { switched: false };
    });
  }

  async use(key: string): Promise<{ profile: Profile; changed: boolean }> {
    return this.update((cfg) => {
      let target: Profile | undefined;
      if (key.trim() === '-') {
        if (!cfg.previousProfile)
          throw new ProfileNotFoundError('-', this.paths.config, cfg.profiles.map(displayName));
        target = findProfile(cfg, cfg.previousProfile);
        if (!target)
          throw new ProfileNotFoundError(
            cfg.previousProfile,
            this.paths.config,
            cfg.profiles.map(displayName),
          );
      } else {
        target = findProfile(cfg, key);
        if (!target) throw new ProfileNotFoundError(key, this.paths.config, cfg.profiles.map(displayName));
      }
      const name = displayName(target);
      const cur = currentProfile(cfg);
      if (cur && displayName(cur) === name) return { profile: target, changed: false };
      if (cur) cfg.previousProfile = displayName(cur);
      cfg.currentProfile = name;
      return { profile: target, changed: true };
    });
  }

  async remove(key: string): Promise<{ removed: Profile; current?: string }> {
    return this.update((cfg) => {
      const target = findProfile(cfg, key);
      if (!target) throw new ProfileNotFoundError(key, this.paths.config, cfg.profiles.map(displayName));
      const name = displayName(target);
      const wasCurrent = displayName(currentProfile(cfg) ?? { olaresId: '' }) === name;
      cfg.profiles = cfg.profiles.filter((p) => p !== target);
      if (cfg.previousProfile === name || cfg.previousProfile === target.olaresId)
        cfg.previousProfile = undefined;
      if (wasCurrent) {
        const prev = cfg.previousProfile ? findProfile(cfg, cfg.previousProfile) : undefined;
        cfg.currentProfile = prev
          ? displayName(prev)
          : cfg.profiles[0]
            ? displayName(cfg.profiles[0])
            : undefined;
        if (prev) cfg.previousProfile = undefined;
      }
      return { removed: target, current: cfg.currentProfile };
    });
  }
}

function dropEmpty(p: Profile): Profile {
  return Object.fromEntries(
    Object.entries(p).filter(([, v]) => v !== undefined && v !== '' && v !== false),
  ) as unknown as Profile;
}
