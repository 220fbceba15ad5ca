// Where the server's state lives: the seam between the file home (the default: one machine, one
// user) and the shared store (OLARES_STATE=redis: replicas of a remote instance). Everything
// else in the auth floor reaches state through this, so the choice is made once, here.
import type { Config } from '../config.js';
import type { FirstFactorResult } from './authApi.js';
import { FileProfileDocument, type ProfileDocument } from './config.js';
import { FileSealedRecords, type PendingRecords } from './fileRecords.js';
import { homePaths } from './home.js';
import { FileSingleUseIds, loadRequestStateKey, type SingleUseIds } from './mrtrState.js';
import type { LoginStep } from './pageHtml.js';
import { FilePrincipalBindings, type Principal, type PrincipalBindings } from './principals.js';
import { RedisPrincipalBindings } from './redis/bindings.js';
import { RedisRefreshLeases } from './redis/leases.js';
import { RedisProfileDocument, RedisSingleUseIds, SealedRecords } from './redis/records.js';
import { KeyRing } from './redis/seal.js';
import { DEFAULT_TIMINGS, StateStore, type StoreTimings } from './redis/store.js';
import { RedisTokenStore } from './redis/tokens.js';
import { FileRefreshLeases, type RefreshLeases } from './refreshLease.js';
import type { TokenStore } from './tokenStore.js';

/** The keys requestStates are signed with: `current` signs, every one of them verifies. */
export interface RequestStateKeys {
  current: Uint8Array;
  /** Keys of before a rotation: states they signed verify until they expire. */
  previous: Uint8Array[];
}

/** A login waiting for its page to be used, as any replica may need to finish it. */
export interface SharedPendingLogin {
  olaresId: string;
  name?: string;
  makeCurrent: boolean;
  createdAt: number;
  expiresAt: number;
  /** The connect page (connectPage.ts): the bearer principal to bind once the owner signed in. */
  principal?: Principal;
  /** The form's CSRF value and step: a stale or replayed form never starts another attempt. */
  csrf?: string;
  step?: LoginStep;
  attempts?: number;
  /** Between the password and the TOTP step: the first factor's grant and cookies (sealed). */
  firstFactor?: FirstFactorResult;
}

export interface StateBackend {
  readonly kind: 'file' | 'redis';
  /** Where it is, for people: the home directory, or the store's host:port. */
  readonly where: string;
  readonly profiles: ProfileDocument;
  readonly leases: RefreshLeases;
  readonly singleUseIds: SingleUseIds;
  readonly principals: PrincipalBindings;
  /** The one token store of the shared store; undefined: OLARES_TOKEN_STORE picks (file home). */
  readonly tokenStore?: TokenStore;
  /** Pending connect-page logins any replica can finish (sealed; in the file home, fileRecords.ts). */
  readonly pendingLogins: PendingRecords<SharedPendingLogin>;
  requestStateKeys(): Promise<RequestStateKeys>;
  /** Drops the store connection, so a process can exit. */
  close(): Promise<void>;
}

export function fileState(home: string, config: Config): StateBackend {
  return {
    kind: 'file',
    where: home,
    profiles: new FileProfileDocument(home),
    leases: new FileRefreshLeases(homePaths(home).locks, config.lockStaleMs),
    singleUseIds: new FileSingleUseIds(home),
    principals: new FilePrincipalBindings(home),
    pendingLogins: new FileSealedRecords<SharedPendingLogin>(home, 'pending', () =>
      loadRequestStateKey(home),
    ),
    requestStateKeys: async () => ({ current: await loadRequestStateKey(home), previous: [] }),
    close: async () => {},
  };
}

export function redisState(
  state: Extract<Config['state'], { kind: 'redis' }>,
  config: Config,
  timings: StoreTimings = DEFAULT_TIMINGS,
): StateBackend {
  const store = new StateStore(state, timings);
  const ring = new KeyRing(state.tokenKeys);
  const [current, ...previous] = state.stateKeys.map((k) => new Uint8Array(k));
  return {
    kind: 'redis',
    where: `the state store at ${store.where}`,
    profiles: new RedisProfileDocument(store),
    leases: new RedisRefreshLeases(store, config.lockStaleMs),
    singleUseIds: new RedisSingleUseIds(store),
    principals: new RedisPrincipalBindings(store),
    tokenStore: new RedisTokenStore(store, ring),
    pendingLogins: new SealedRecords<SharedPendingLogin>(store, ring, 'pending'),
    requestStateKeys: async () => ({ current, previous }),
    close: () => store.close(),
  };
}

export function openState(home: string, config: Config): StateBackend {
  return config.state.kind === 'redis' ? redisState(config.state, config) : fileState(home, config);
}
