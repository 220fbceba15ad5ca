// Remote mode's login and binding (serve --http): who the instance's owner is, and the pending
// record behind one connect link. The owner comes from the server's environment (OLARES_PROFILE
// pinned by OLARES_PROFILE_LOCK, as deploy/olares sets them), never from a tool argument or a
// token claim. A record lives in the state backend (sealed; any replica can serve its page), is
// named in the store by a hash of the link's id (reading the store gives no usable link), and
// expires after OLARES_LOGIN_TTL_MS.
import { createHash } from 'node:crypto';
import { OlaresMcpError } from '../errors.js';
import { findProfile } from './config.js';
import { parseOlaresId } from './identity.js';
import type { AuthContext } from './index.js';
import { randomToken } from './loopback.js';
import { checkPrincipal, type Principal } from './principals.js';
import type { SharedPendingLogin } from './state.js';

export class RemoteOwnerError extends OlaresMcpError {
  constructor(why: string) {
    super(
      `this server cannot tell whose box it serves: ${why}. Fix: set OLARES_PROFILE to the owner's olaresId (e.g. alice@olares.com) and OLARES_PROFILE_LOCK=1 in the server's environment (deploy/olares sets both)`,
      { code: 'remote_owner_unknown' },
    );
  }
}

export interface Owner {
  olaresId: string;
  /** The profile name OLARES_PROFILE gives when it is not an olaresId (the chart's user name). */
  name?: string;
}

/**
 * The owner: OLARES_PROFILE as an olaresId; or the profile it names; or, as deploy/olares sets it
 * (the box's user name, before any profile exists), that name at the domain the URL template's
 * user zone gives (`https://{service}.alice.olares.com` and `alice` -> alice@olares.com).
 */
export async function ownerOf(auth: AuthContext): Promise<Owner> {
  const key = auth.config.profile?.trim();
  if (!key || !auth.config.profileLock)
    throw new RemoteOwnerError(
      key ? 'OLARES_PROFILE_LOCK is off, so OLARES_PROFILE does not pin it' : 'OLARES_PROFILE is not set',
    );
  if (key.includes('@')) return { olaresId: parseOlaresId(key).olaresId };
  const profile = findProfile(await auth.profiles.load(), key);
  if (profile) return { olaresId: profile.olaresId, name: key };
  const zone = auth.urlTemplate?.match(/^https?:\/\/\{service\}\.([^/:]+)/)?.[1];
  if (zone?.startsWith(`${key}.`))
    return { olaresId: parseOlaresId(`${key}@${zone.slice(key.length + 1)}`).olaresId, name: key };
  throw new RemoteOwnerError(
    `OLARES_PROFILE="${key}" is neither an olaresId, a profile, nor the user of OLARES_URL_TEMPLATE's zone`,
  );
}

/** The record's name in the store: a hash, so the store never holds the link's capability. */
export const connectRecordName = (linkId: string) =>
  createHash('sha256').update(`connect\n${linkId}`).digest('base64url');

/** Link ids are randomToken()s: 32 URL-safe characters. */
export const CONNECT_ID = /^[A-Za-z0-9_-]{32}$/;

export interface ConnectLink {
  url: string;
  /** The record's name (connectRecordName), for whoever waits on the page. */
  record: string;
  expiresAt: number;
}

/**
 * A new connect page for the owner: signing in there logs the owner in and, when `principal` is
 * given, binds it. Nothing reaches the auth host until the person posts the form.
 */
export async function openConnectPage(
  auth: AuthContext,
  input: { owner: Owner; principal?: Principal; base: string },
): Promise<ConnectLink> {
  // A principal no binding could hold is refused now, before the owner types anything.
  const principal = input.principal && checkPrincipal(input.principal);
  const id = randomToken();
  const ttlMs = auth.config.loginTtlMs;
  const createdAt = Date.now();
  const record: SharedPendingLogin = {
    olaresId: input.owner.olaresId,
    name: input.owner.name,
    makeCurrent: false,
    createdAt,
    expiresAt: createdAt + ttlMs,
    principal,
    csrf: randomToken(),
    step: 'password',
    attempts: 0,
  };
  const name = connectRecordName(id);
  await auth.state.pendingLogins.put(name, record, ttlMs);
  return { url: `${input.base}/connect/${id}`, record: name, expiresAt: record.expiresAt };
}
