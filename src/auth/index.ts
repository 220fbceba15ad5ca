// The auth floor's front door: one AuthContext per process, built from the environment.

import { rm, writeFile } from 'node:fs/promises';
import { type Config, loadConfig } from '../config.js';
import { loadUndici } from '../net/http.js';
import {
  type AuthCallOptions,
  type FirstFactorResult,
  firstFactor,
  refreshGrant,
  secondFactorTotp,
  type TokenGrant,
} from './authApi.js';
import {
  assertProfileName,
  currentProfile,
  displayName,
  findProfile,
  type Profile,
  ProfileIndex,
} from './config.js';
import { type Credentials, EnvCredentials, StoredCredentials } from './credentials.js';
import {
  AlreadyAuthenticatedError,
  AuthenticationFailedError,
  PlainHttpRefusedError,
  ProfileLockedError,
} from './errors.js';
import { homePaths, resolveHome } from './home.js';
import {
  desktopTargetUrl,
  type OlaresIdentity,
  parseOlaresId,
  plainHttpProblem,
  type ServiceName,
  serviceBaseUrl,
  type UrlOptions,
} from './identity.js';
import { formatRemaining, tokenExpiry } from './jwt.js';
import { Refresher } from './refresher.js';
import { type RefreshTokenSource, readRefreshToken, type TokenReadPolicy } from './refreshTokenSource.js';
import { openState, type StateBackend } from './state.js';
import { appendPrivateLine, trustStateDirs } from './stateDir.js';
import { TokenStores } from './stores.js';
import type { TokenRecord } from './tokenStore.js';
import { type AuthTarget, authTarget } from './trust.js';

export type ProfileStatus = string; // `logged-in (XhYm)` | `logged-in` | `expired` | `invalidated` | `never`

export interface ProfileView {
  name: string;
  olaresId: string;
  status: ProfileStatus;
  current: boolean;
  backend?: string;
  expiresAt?: string;
  error?: string;
}

/** What a call runs as: profile, identity, where its token comes from, how to reach each service. */
export interface Session {
  profile: Profile;
  identity: OlaresIdentity;
  credentials: Credentials;
  insecure: boolean;
  baseUrl(service: ServiceName): string;
}

export function statusOf(
  record: TokenRecord | null,
  nowMs = Date.now(),
): { status: ProfileStatus; expiresAt?: string } {
  if (!record?.accessToken) return { status: 'never' };
  if (record.invalidatedAt) return { status: 'invalidated' };
  const e = tokenExpiry(record.accessToken);
  if (e.kind === 'no-exp') return { status: 'logged-in' };
  if (e.kind === 'invalid') return { status: 'logged-in (unparseable token)' };
  const expiresAt = new Date(e.exp * 1000).toISOString();
  const left = e.exp - nowMs / 1000;
  if (left <= 0) return { status: 'expired', expiresAt };
  const h = Math.floor(left / 3600);
  const m = Math.floor((left % 3600) / 60);
  return { status: `logged-in (${h}h${m}m)`, expiresAt };
}

export class AuthContext {
  readonly home: string;
  readonly paths: ReturnType<typeof homePaths>;
  readonly profiles: ProfileIndex;
  readonly stores: TokenStores;
  readonly refresher: Refresher;
  readonly urlTemplate?: string;
  readonly insecure: boolean;
  /** Every OLARES_* switch, parsed strictly once (src/config.ts). */
  readonly config: Config;
  /** Where profiles, tokens, leases, single-use ids and bindings live (OLARES_STATE). */
  readonly state: StateBackend;

  constructor(readonly env: NodeJS.ProcessEnv = process.env) {
    this.config = loadConfig(env);
    this.home = resolveHome(env);
    this.paths = homePaths(this.home);
    this.state = openState(this.home, this.config);
    this.profiles = new ProfileIndex(this.home, this.state.profiles);
    this.stores = new TokenStores(this.home, this.config.tokenStore, this.state.tokenStore);
    this.refresher = new Refresher(this.state.leases, {
      staleMs: this.config.lockStaleMs,
      waitMs: this.config.lockStaleMs + 30_000,
    });
    this.urlTemplate = this.config.urlTemplate;
    this.insecure = this.config.insecureSkipVerify;
  }

  /**
   * Loads the HTTP client and the lock library once the server is idle, so the first request,
   * and above all a refresh racing other processes, does not pay for it.
   */
  async warmUp(): Promise<void> {
    await Promise.all([loadUndici(), import('proper-lockfile')]).catch(() => {});
  }

  urlOptions(profile?: Profile): UrlOptions {
    return {
      template: this.urlTemplate,
      prefix: profile?.localUrlPrefix,
      authUrlOverride: profile?.authUrlOverride,
    };
  }

  /** Checked at every use: a profile's authUrlOverride could still be plain http (L7). */
  authCall(identity: OlaresIdentity, profile?: Profile, signal?: AbortSignal): AuthCallOptions {
    const authUrl = serviceBaseUrl(identity, 'auth', this.urlOptions(profile));
    const http = plainHttpProblem(authUrl, this.config.allowHttp);
    if (http) throw new PlainHttpRefusedError(http);
    return {
      authUrl,
      insecure: this.insecure || Boolean(profile?.insecureSkipVerify),
      signal,
    };
  }

  /** Checks (once per process) that the state directory is this user's alone; throws when it is not. */
  trustState(): Promise<void> {
    return trustStateDirs(this.home);
  }

  /** Appends one line to audit.log, never through a link; throws when it cannot. */
  async appendAudit(line: string): Promise<void> {
    await this.trustState();
    await appendPrivateLine(this.paths.audit, line);
  }

  /** Where a login or import for olaresId would send credentials: the auth URL, without user info. */
  async authUrlFor(olaresId: string): Promise<string> {
    const identity = parseOlaresId(olaresId);
    const profile = (await this.profiles.load()).profiles.find((p) => p.olaresId === identity.olaresId);
    const url = new URL(this.authCall(identity, profile).authUrl);
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  }

  /** The olaresId the env provider serves, when it is on (docs/refresh.md#env-provider). */
  get envOlaresId(): string | undefined {
    const id = this.env.OLARES_ID?.trim();
    if (!id || !(this.env.OLARES_ACCESS_TOKEN?.trim() || this.env.OLARES_REFRESH_TOKEN?.trim()))
      return undefined;
    return parseOlaresId(id).olaresId;
  }

  private envCredentials?: EnvCredentials;

  /** Where a credential for this identity would go and whether that host is trusted (no network). */
  async authTarget(olaresId: string): Promise<AuthTarget> {
    const identity = parseOlaresId(olaresId);
    const target = authTarget(identity, {
      profiles: (await this.profiles.load()).profiles,
      urlOptions: (p) => this.urlOptions(p),
      template: this.urlTemplate,
      trustedDomains: this.config.trustedDomains,
      envOlaresId: this.envOlaresId,
    });
    const http = plainHttpProblem(target.url, this.config.allowHttp);
    if (http) throw new PlainHttpRefusedError(http);
    return target;
  }

  /**
   * OLARES_PROFILE_LOCK=1: a call's `profile` argument must name the pinned profile (OLARES_PROFILE,
   * else the env provider, else the current one); anything else is refused, unknown names too.
   */
  async assertPinned(key: string | undefined, what = `the profile argument "${key}"`): Promise<void> {
    if (!this.config.profileLock || !key?.trim()) return;
    const cfg = await this.profiles.load().catch(() => ({ profiles: [] as Profile[] }));
    const envId = this.envOlaresId;
    const idOf = (k: string) => findProfile(cfg, k)?.olaresId ?? (k.trim() === envId ? envId : undefined);
    const pinnedKey = this.config.profile;
    const pinned = pinnedKey ? idOf(pinnedKey) : (envId ?? currentProfile(cfg)?.olaresId);
    const asked = idOf(key);
    if (!pinned || asked !== pinned) throw new ProfileLockedError(pinnedKey ?? pinned ?? '(none)', what);
  }

  /** Resolves the session for a call: explicit key, else OLARES_PROFILE, else env provider, else current. */
  async session(key?: string): Promise<Session> {
    await this.assertPinned(key);
    const wanted = key?.trim() || this.env.OLARES_PROFILE?.trim() || undefined;
    const envId = this.envOlaresId;
    let profile: Profile;
    let credentials: Credentials;
    if (envId && (!wanted || wanted === envId)) {
      const cfg = await this.profiles.load().catch(() => ({ profiles: [] as Profile[] }));
      profile = cfg.profiles.find((p) => p.olaresId === envId) ?? { olaresId: envId };
      const identity = parseOlaresId(envId);
      this.envCredentials ??= new EnvCredentials(envId, this.env, this.authCall(identity, profile));
      credentials = this.envCredentials;
    } else {
      profile = await this.profiles.resolve(wanted);
      const identity = parseOlaresId(profile.olaresId);
      const store = await this.stores.forProfile(profile.tokenStore);
      credentials = new StoredCredentials(
        profile.olaresId,
        store,
        this.refresher,
        this.authCall(identity, profile),
      );
    }
    const identity = parseOlaresId(profile.olaresId);
    const urls = this.urlOptions(profile);
    return {
      profile,
      identity,
      credentials,
      insecure: this.insecure || Boolean(profile.insecureSkipVerify),
      baseUrl: (service) => serviceBaseUrl(identity, service, urls),
    };
  }

  /** `current` marks what a call would run as: `key` (a call's profile), else OLARES_PROFILE, else env, else current. */
  async listProfiles(key?: string): Promise<{ profiles: ProfileView[]; currentKey?: string }> {
    await this.assertPinned(key);
    const cfg = await this.profiles.load();
    const cur = currentProfile(cfg);
    const envId = key?.trim() ? undefined : this.envOlaresId;
    const explicit = key?.trim() || this.env.OLARES_PROFILE?.trim();
    const active = explicit ? findProfile(cfg, explicit) : undefined;
    const views: ProfileView[] = [];
    if (envId) {
      views.push({
        name: `env:${envId}`,
        olaresId: envId,
        status: 'logged-in',
        current: !explicit,
        backend: 'env',
      });
    }
    for (const p of cfg.profiles) {
      let view: ProfileView;
      try {
        const store = await this.stores.forProfile(p.tokenStore);
        view = {
          name: displayName(p),
          olaresId: p.olaresId,
          current: false,
          backend: store.backend,
          ...statusOf(await store.get(p.olaresId)),
        };
      } catch (err) {
        view = {
          name: displayName(p),
          olaresId: p.olaresId,
          current: false,
          backend: p.tokenStore,
          status: 'never',
          error: (err as Error).message,
        };
      }
      view.current = explicit ? p === active : !envId && p === cur;
      views.push(view);
    }
    return { profiles: views, currentKey: cur ? displayName(cur) : undefined };
  }

  /**
   * Where credentials for an identity exist and what state its token is in, for doctor. Reports
   * presence and expiry only, never a token.
   */
  async inspectCredentials(session: Session): Promise<{
    sources: { env: boolean; keychain: boolean; file: boolean };
    token: { status: string; expiresAt?: string; invalidatedAt?: string; hasRefreshToken: boolean };
  }> {
    const id = session.identity.olaresId;
    const keychainUsable = (await this.stores.keychainProbe()).usable;
    const sources = {
      env: this.envOlaresId === id,
      file: Boolean(await this.stores.file.get(id).catch(() => null)),
      keychain: keychainUsable
        ? Boolean(await (await this.stores.keychain()).get(id).catch(() => null))
        : false,
    };
    if (session.credentials.source === 'env')
      return {
        sources,
        token: { status: 'logged-in (env)', hasRefreshToken: Boolean(this.env.OLARES_REFRESH_TOKEN) },
      };
    const record = await (await this.stores.forProfile(session.profile.tokenStore)).get(id);
    const s = statusOf(record);
    return {
      sources,
      token: {
        status: s.status,
        expiresAt: s.expiresAt,
        invalidatedAt: record?.invalidatedAt ? new Date(record.invalidatedAt).toISOString() : undefined,
        hasRefreshToken: Boolean(record?.refreshToken),
      },
    };
  }

  /** Whether refresh leases and config locks can be taken: undefined when fine, else the error code. */
  async checkLockDir(): Promise<string | undefined> {
    try {
      // With OLARES_STATE=redis the leases live in the store: reaching it is what matters.
      if (this.state.kind === 'redis') {
        await this.state.profiles.read();
        return undefined;
      }
      await this.trustState();
      const probe = `${this.paths.locks}/.doctor-${process.pid}-${Date.now()}`;
      await writeFile(probe, '');
      await rm(probe);
      return undefined;
    } catch (err) {
      const cause = (err as { cause?: NodeJS.ErrnoException }).cause ?? (err as NodeJS.ErrnoException);
      return cause.code ?? (err as Error).message;
    }
  }

  /** olares-cli's pre-write rule: refuse while a still-valid token exists (docs/login.md#already-authenticated). */
  async assertCanAuthenticate(olaresId: string): Promise<void> {
    const cfg = await this.profiles.load();
    const profile = cfg.profiles.find((p) => p.olaresId === olaresId);
    if (!profile) return;
    const store = await this.stores.forProfile(profile.tokenStore);
    const record = await store.get(olaresId).catch(() => null);
    if (!record || record.invalidatedAt || !record.accessToken) return;
    const e = tokenExpiry(record.accessToken);
    if (e.kind === 'no-exp') throw new AlreadyAuthenticatedError(olaresId, undefined);
    if (e.kind === 'exp' && e.exp > Date.now() / 1000)
      throw new AlreadyAuthenticatedError(olaresId, formatRemaining(e.exp - Date.now() / 1000));
  }

  /**
   * Refuses a name that could pass for another identity or is taken (L4); call it before any
   * request so a bad name costs nothing.
   */
  async checkProfileName(olaresId: string, name: string | undefined): Promise<void> {
    if (name?.trim()) assertProfileName(await this.profiles.load(), olaresId, name.trim());
  }

  /**
   * Stores a grant and upserts the profile. It becomes current only with makeCurrent, or when no
   * profile exists yet: callers decide (a tool only after the user confirmed the switch).
   */
  async persistGrant(input: { olaresId: string; name?: string; makeCurrent: boolean }, grant: TokenGrant) {
    if (!grant.accessToken) throw new AuthenticationFailedError('the auth host returned no access token');
    await this.checkProfileName(input.olaresId, input.name);
    const store = await this.stores.forWrite();
    await store.set({
      olaresId: input.olaresId,
      accessToken: grant.accessToken,
      refreshToken: grant.refreshToken,
      sessionId: grant.sessionId,
    });
    const cfg = await this.profiles.load();
    const existing = cfg.profiles.find((p) => p.olaresId === input.olaresId);
    if (existing?.tokenStore && existing.tokenStore !== store.backend) {
      // The old record lives in the other backend; drop it so it can never shadow the new one.
      await (await this.stores.forProfile(existing.tokenStore).catch(() => undefined))
        ?.delete(input.olaresId)
        .catch(() => {});
    }
    const { switched, previous } = await this.profiles.upsert(
      { olaresId: input.olaresId, name: input.name?.trim() || undefined, tokenStore: store.backend },
      { switchTo: input.makeCurrent },
    );
    const after = await this.profiles.load();
    const p = after.profiles.find((x) => x.olaresId === input.olaresId)!;
    return {
      profile: p,
      name: displayName(p),
      backend: store.backend,
      switched,
      previous,
      expiresAt: statusOf({ olaresId: input.olaresId, accessToken: grant.accessToken }).expiresAt,
    };
  }

  /** First step of a password login; the caller asks for TOTP when `fa2` is true. */
  async passwordStep(olaresId: string, password: string, signal?: AbortSignal): Promise<FirstFactorResult> {
    if (!password) throw new AuthenticationFailedError('password is empty');
    const identity = parseOlaresId(olaresId);
    const profile = (await this.profiles.load()).profiles.find((p) => p.olaresId === identity.olaresId);
    return firstFactor(
      { local: identity.local, password, targetUrl: desktopTargetUrl(identity) },
      this.authCall(identity, profile, signal),
    );
  }

  async totpStep(
    olaresId: string,
    first: FirstFactorResult,
    code: string,
    signal?: AbortSignal,
  ): Promise<TokenGrant> {
    if (!code.trim()) throw new AuthenticationFailedError('TOTP code is empty');
    const identity = parseOlaresId(olaresId);
    const profile = (await this.profiles.load()).profiles.find((p) => p.olaresId === identity.olaresId);
    return secondFactorTotp(
      { firstFactor: first, code, targetUrl: desktopTargetUrl(identity) },
      this.authCall(identity, profile, signal),
    );
  }

  /**
   * Profile import: reads the refresh token from where the user put it, refuses a profile that is
   * still logged in, and exchanges the token for a grant (one /api/refresh, no X-Authorization).
   * Every local check comes first; an untrusted auth host gets nothing, not even a DNS lookup,
   * unless confirmNewHost resolves (the terminal passes one: the person typed the olaresId).
   */
  async importRefreshToken(
    olaresId: string,
    source: RefreshTokenSource,
    opts: {
      policy?: TokenReadPolicy;
      signal?: AbortSignal;
      confirmNewHost?: (target: AuthTarget) => Promise<void>;
      /** Last chance to refuse before the request (e.g. confirm a profile switch). */
      beforeSend?: () => Promise<void>;
    } = {},
  ): Promise<TokenGrant> {
    const refreshToken = await readRefreshToken(olaresId, source, this.env, opts.policy);
    await this.assertCanAuthenticate(olaresId);
    const target = await this.authTarget(olaresId);
    if (!target.trusted) {
      if (!opts.confirmNewHost)
        throw new AuthenticationFailedError(`the auth host ${target.host} is not trusted`);
      await opts.confirmNewHost(target);
    }
    await opts.beforeSend?.();
    const identity = parseOlaresId(olaresId);
    const profile = (await this.profiles.load()).profiles.find((p) => p.olaresId === identity.olaresId);
    return refreshGrant({ refreshToken }, this.authCall(identity, profile, opts.signal));
  }

  /** Removes the profile first, then its token (docs/login.md#removing-a-profile). */
  async removeProfile(key: string): Promise<{ removed: Profile; current?: string; tokenWarning?: string }> {
    const { removed, current } = await this.profiles.remove(key);
    let tokenWarning: string | undefined;
    try {
      const store = await this.stores.forProfile(removed.tokenStore);
      await store.delete(removed.olaresId);
    } catch (err) {
      tokenWarning = `failed to clear stored token for ${removed.olaresId}: ${(err as Error).message}`;
    }
    return { removed, current, tokenWarning };
  }
}

export type { FirstFactorResult, TokenGrant } from './authApi.js';
export type { Profile } from './config.js';
export type { Credentials } from './credentials.js';
export * from './errors.js';
export { type OlaresIdentity, parseOlaresId, type ServiceName, serviceBaseUrl } from './identity.js';
export { isExpiring, tokenExpiry } from './jwt.js';
export type { AuthTarget } from './trust.js';
