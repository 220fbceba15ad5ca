// doctor: what this server would use for a profile and whether each piece works, with the next
// step for every problem. Never prints a secret: only where credentials live and their state.
import { homedir } from 'node:os';
import { delimiter } from 'node:path';
import { z } from 'zod';
import type { AuthContext, Session } from '../auth/index.js';
import { skippedStateChecks } from '../auth/stateDir.js';
import { OlaresClients } from '../olares/index.js';
import { READ } from './annotations.js';
import { defineTool, type ToolDeclaration } from './defineTool.js';
import { describeError } from './errors.js';
import { type EffectiveLocalRoots, effectiveLocalRoots } from './localRoots.js';

export interface Diagnosis {
  profile?: string;
  olaresId?: string;
  urlTemplate: string;
  /** Where this profile's credentials go: the scheme shows whether they cross the network in clear. */
  authHost?: { url: string; scheme: string; trusted: boolean; trustedBecause?: string };
  tokenStore: { mode: string; keychainUsable: boolean; keychainReason?: string; profileBackend?: string };
  credentialSources: { env: boolean; keychain: boolean; file: boolean };
  token: { status: string; expiresAt?: string; invalidatedAt?: string };
  lockDir: { path: string; writable: boolean; error?: string };
  /** Whether the state directory is this user's alone (review M1), and what this platform does not check. */
  stateDir: { path: string; trusted: boolean; error?: string; skippedChecks: string[] };
  /** config.json's per-profile URL overrides: they change where credentials are sent. */
  urlOverrides?: { localUrlPrefix?: string; authUrlOverride?: string };
  services: Array<{ service: string; url: string; reachable: boolean; httpStatus?: number; error?: string }>;
  client?: { elicitationForm: boolean; elicitationUrl: boolean };
  localRoots: LocalRootsReport;
  problems: Array<{ problem: string; fix: string }>;
}

export interface LocalRootsReport {
  /** false: every upload and download is refused (see `refused`). */
  allowed: boolean;
  roots: string[];
  /** env: OLARES_LOCAL_ROOTS; client: the client's MCP roots; intersection: both. */
  source?: 'env' | 'client' | 'intersection';
  refused?: string;
  /** Client roots that were not used, with the reason. */
  skipped: string[];
}

/** Outside an MCP session (the doctor command) only OLARES_LOCAL_ROOTS can say. */
async function envOnlyRoots(auth: AuthContext): Promise<EffectiveLocalRoots> {
  const info = await effectiveLocalRoots(auth.config.localRoots, undefined, homedir());
  if (info.refused)
    info.refused = 'OLARES_LOCAL_ROOTS is unset (an MCP client may still allow folders through its roots)';
  return info;
}

export async function diagnose(
  auth: AuthContext,
  profileKey?: string,
  client?: Diagnosis['client'],
  roots?: EffectiveLocalRoots,
): Promise<Diagnosis> {
  const local = roots ?? (await envOnlyRoots(auth));
  const keychain = await auth.stores.keychainProbe();
  const d = emptyDiagnosis(auth, keychain, local, client);
  // Outside a session an MCP client may still give roots: only a served client can tell.
  if (local.refused && roots)
    d.problems.push({
      problem: `local-path tools (files_upload, files_download) are refused: ${local.refused}`,
      fix: `set OLARES_LOCAL_ROOTS to the folder(s) they may use (absolute paths separated by '${delimiter}'), or add a folder to the client's MCP roots`,
    });
  if (auth.stores.mode === 'keychain' && !keychain.usable) {
    d.problems.push({
      problem: `OLARES_TOKEN_STORE=keychain but the keychain is not usable (${keychain.reason})`,
      fix: 'unlock or start the OS keychain (Secret Service on Linux), or set OLARES_TOKEN_STORE=file',
    });
  }
  await checkStateDir(auth, d);
  const session = await openSession(auth, profileKey, d);
  if (session) await checkSession(auth, session, d);
  await checkLockDir(auth, d);
  if (client && !client.elicitationUrl) {
    d.problems.push({
      problem: 'this client cannot open URL elicitations',
      fix: 'profile_login returns a link to open by hand (or use olares-mcp login in a terminal)',
    });
  }
  return d;
}

/** What is known before anything is checked: where things live, and nothing working yet. */
function emptyDiagnosis(
  auth: AuthContext,
  keychain: { usable: boolean; reason?: string },
  local: EffectiveLocalRoots,
  client?: Diagnosis['client'],
): Diagnosis {
  return {
    urlTemplate: auth.urlTemplate ?? 'https://{service}.{prefix}{terminus} (default)',
    tokenStore: { mode: auth.stores.mode, keychainUsable: keychain.usable, keychainReason: keychain.reason },
    credentialSources: { env: Boolean(auth.envOlaresId), keychain: false, file: false },
    token: { status: 'never' },
    lockDir: { path: auth.paths.locks, writable: false },
    stateDir: { path: auth.home, trusted: false, skippedChecks: skippedStateChecks() },
    services: [],
    client,
    localRoots: {
      allowed: local.roots.length > 0,
      roots: local.roots,
      source: local.source,
      refused: local.refused,
      skipped: local.skipped,
    },
    problems: [],
  };
}

async function checkStateDir(auth: AuthContext, d: Diagnosis) {
  try {
    await auth.trustState();
    d.stateDir.trusted = true;
  } catch (err) {
    d.stateDir.error = describeError(err);
    d.problems.push({
      problem: d.stateDir.error,
      fix: 'as the message says; nothing in it is used until then',
    });
  }
}

/** The profile's session; a failure is a problem unless it is the state dir's, reported already. */
async function openSession(auth: AuthContext, profileKey: string | undefined, d: Diagnosis) {
  try {
    return await auth.session(profileKey);
  } catch (err) {
    if (describeError(err) !== d.stateDir.error)
      d.problems.push({
        problem: describeError(err),
        fix: 'olares-mcp login --olares-id <id> (or profile_login in your MCP client)',
      });
    return undefined;
  }
}

async function checkSession(auth: AuthContext, session: Session, d: Diagnosis) {
  const { profile, identity } = session;
  if (profile.localUrlPrefix || profile.authUrlOverride)
    d.urlOverrides = { localUrlPrefix: profile.localUrlPrefix, authUrlOverride: profile.authUrlOverride };
  d.profile = profile.name || profile.olaresId;
  d.olaresId = identity.olaresId;
  d.tokenStore.profileBackend = session.credentials.source;
  await checkAuthHost(auth, identity.olaresId, d);
  await checkToken(auth, session, d);
  d.services = await new OlaresClients(session, auth).probeServices();
  const down = d.services.filter((s) => !s.reachable);
  if (down.length) {
    d.problems.push({
      problem: `unreachable: ${down.map((s) => `${s.service} (${s.error})`).join('; ')}`,
      fix: 'check that the box is on and reachable; for a local box with a self-signed certificate set OLARES_INSECURE_SKIP_VERIFY=1; check OLARES_URL_TEMPLATE',
    });
  }
}

async function checkAuthHost(auth: AuthContext, olaresId: string, d: Diagnosis) {
  try {
    const t = await auth.authTarget(olaresId);
    d.authHost = {
      url: `${t.scheme}//${t.host}`,
      scheme: t.scheme.replace(/:$/, ''),
      trusted: t.trusted,
      trustedBecause: t.trustedBecause,
    };
  } catch (err) {
    d.problems.push({ problem: describeError(err), fix: 'use https, or set OLARES_ALLOW_HTTP=1' });
  }
}

async function checkToken(auth: AuthContext, session: Session, d: Diagnosis) {
  const { olaresId } = session.identity;
  try {
    const { sources, token } = await auth.inspectCredentials(session);
    d.credentialSources = sources;
    d.token = { status: token.status, expiresAt: token.expiresAt, invalidatedAt: token.invalidatedAt };
    const login = `olares-mcp login --olares-id ${olaresId}`;
    if (token.status === 'never') d.problems.push({ problem: `no token stored for ${olaresId}`, fix: login });
    if (token.status === 'invalidated')
      d.problems.push({
        problem: `the refresh token for ${olaresId} was rejected at ${token.invalidatedAt}`,
        fix: login,
      });
    if (token.status === 'expired' && !token.hasRefreshToken)
      d.problems.push({ problem: 'the access token expired and there is no refresh token', fix: login });
  } catch (err) {
    d.token = { status: 'unknown' };
    d.problems.push({
      problem: describeError(err),
      fix: 'see the message; OLARES_TOKEN_STORE=file avoids the keychain',
    });
  }
}

/** A lock directory problem only counts once the state dir is trusted (else that is the problem). */
async function checkLockDir(auth: AuthContext, d: Diagnosis) {
  const lockError = await auth.checkLockDir();
  d.lockDir.writable = !lockError;
  if (lockError && d.stateDir.trusted) {
    d.lockDir.error = lockError;
    d.problems.push({
      problem: `the lock directory ${auth.paths.locks} is not writable (${lockError})`,
      fix: 'make OLARES_MCP_HOME writable by this user, or point it elsewhere',
    });
  }
}

const serviceRow = z.object({
  service: z.string(),
  url: z.string(),
  reachable: z.boolean(),
  httpStatus: z.number().optional(),
  error: z.string().optional(),
});

export const doctor = defineTool({
  name: 'doctor',
  title: 'Diagnose',
  description: 'Checks credentials, token, lock dir, reachability, client support; names fixes.',
  toolset: 'doctor',
  input: {},
  output: {
    profile: z.string().optional(),
    olaresId: z.string().optional(),
    urlTemplate: z.string(),
    authHost: z
      .object({
        url: z.string(),
        scheme: z.string(),
        trusted: z.boolean(),
        trustedBecause: z.string().optional(),
      })
      .optional(),
    tokenStore: z.object({
      mode: z.string(),
      keychainUsable: z.boolean(),
      keychainReason: z.string().optional(),
      profileBackend: z.string().optional(),
    }),
    credentialSources: z.object({ env: z.boolean(), keychain: z.boolean(), file: z.boolean() }),
    token: z.object({
      status: z.string(),
      expiresAt: z.string().optional(),
      invalidatedAt: z.string().optional(),
    }),
    lockDir: z.object({ path: z.string(), writable: z.boolean(), error: z.string().optional() }),
    stateDir: z.object({
      path: z.string(),
      trusted: z.boolean(),
      error: z.string().optional(),
      skippedChecks: z.array(z.string()),
    }),
    urlOverrides: z
      .object({ localUrlPrefix: z.string().optional(), authUrlOverride: z.string().optional() })
      .optional(),
    services: z.array(serviceRow),
    client: z.object({ elicitationForm: z.boolean(), elicitationUrl: z.boolean() }).optional(),
    localRoots: z.object({
      allowed: z.boolean(),
      roots: z.array(z.string()),
      source: z.enum(['env', 'client', 'intersection']).optional(),
      refused: z.string().optional(),
      skipped: z.array(z.string()),
    }),
    problems: z.array(z.object({ problem: z.string(), fix: z.string() })),
  },
  annotations: READ,
  async handler(args, ctx) {
    const modes = ctx.elicitation();
    const d = await diagnose(
      ctx.auth,
      args.profile,
      { elicitationForm: modes.form, elicitationUrl: modes.url },
      await ctx.localRootsInfo(),
    );
    return { data: d, summary: formatDiagnosis(d) };
  },
});

export function formatDiagnosis(d: Diagnosis): string {
  const lines = [
    `profile: ${d.profile ? `${d.profile} (${d.olaresId})` : 'none'}`,
    ...(d.authHost
      ? [
          `auth host: ${d.authHost.url} (${d.authHost.scheme === 'http' ? 'plain http, unencrypted' : d.authHost.scheme})${d.authHost.trusted ? '' : ' [not trusted yet]'}`,
        ]
      : []),
    `token: ${d.token.status}${d.token.expiresAt ? `, expires ${d.token.expiresAt}` : ''} [store ${d.tokenStore.profileBackend ?? d.tokenStore.mode}; keychain ${d.tokenStore.keychainUsable ? 'usable' : `not usable: ${d.tokenStore.keychainReason}`}]`,
    `state dir: ${d.stateDir.path} ${d.stateDir.trusted ? 'owned by this user, closed to others' : 'REFUSED (see problems)'}${d.stateDir.skippedChecks.length ? `; not checked on ${process.platform}: ${d.stateDir.skippedChecks.join('; ')}` : ''}`,
    `lock dir: ${d.lockDir.writable ? 'writable' : `NOT writable (${d.lockDir.error})`}`,
    ...d.services.map(
      (s) => `${s.service}: ${s.reachable ? `reachable (HTTP ${s.httpStatus})` : `UNREACHABLE (${s.error})`}`,
    ),
  ];
  if (d.urlOverrides)
    lines.push(
      `url overrides (config.json): ${Object.entries(d.urlOverrides)
        .filter(([, v]) => v)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`,
    );
  const from = {
    env: 'OLARES_LOCAL_ROOTS',
    client: "the client's MCP roots",
    intersection: "OLARES_LOCAL_ROOTS ∩ the client's MCP roots",
  };
  lines.push(
    d.localRoots.allowed
      ? `local roots: ${d.localRoots.roots.join(', ')} (from ${from[d.localRoots.source ?? 'env']})`
      : `local roots: none, local-path tools are refused (${d.localRoots.refused})`,
  );
  if (d.localRoots.skipped.length) lines.push(`client roots not used: ${d.localRoots.skipped.join('; ')}`);
  if (d.client)
    lines.push(
      `client elicitation: form ${d.client.elicitationForm ? 'yes' : 'no'}, url ${d.client.elicitationUrl ? 'yes' : 'no'}`,
    );
  lines.push(
    d.problems.length
      ? `problems:\n${d.problems.map((p) => `- ${p.problem}\n  fix: ${p.fix}`).join('\n')}`
      : 'no problems found',
  );
  return lines.join('\n');
}

export const doctorTools: ToolDeclaration<any, any>[] = [doctor];
