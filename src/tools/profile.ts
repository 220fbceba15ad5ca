import { z } from 'zod';
import { currentProfile, findProfile } from '../auth/config.js';
import { parseOlaresId } from '../auth/identity.js';
import { type AuthTarget, UntrustedAuthHostError } from '../auth/index.js';
import { listPendingLogins } from '../auth/pendingLogins.js';
import { DESTRUCTIVE_LOCAL, MUTATE, MUTATE_LOCAL_IDEMPOTENT, READ_LOCAL } from './annotations.js';
import type { ToolContext } from './context.js';
import { defineTool, dryRunOutput, type ToolDeclaration } from './defineTool.js';
import { errorCode } from './errors.js';
import { ConfirmationRefusedError } from './gate.js';
import { loginThroughPage } from './loginRounds.js';
import { remoteLogin } from './remoteLogin.js';

const profileView = z.object({
  name: z.string(),
  olaresId: z.string(),
  status: z.string().describe('logged-in (XhYm) | logged-in | expired | invalidated | never'),
  current: z.boolean(),
  backend: z.string().optional().describe('keychain | file | env'),
  expiresAt: z.string().optional(),
  error: z.string().optional(),
});

export const profileList = defineTool({
  name: 'profile_list',
  title: 'List profiles',
  description: 'Profiles with login status, the current one marked (local).',
  toolset: 'profile',
  input: {},
  output: {
    profiles: z.array(profileView),
    currentProfile: z.string().optional(),
    pendingLogins: z
      .array(
        z.object({
          olaresId: z.string(),
          name: z.string().optional(),
          loginUrl: z.string(),
          linkExpiresAt: z.string(),
        }),
      )
      .optional()
      .describe('Login pages waiting for the user'),
  },
  annotations: READ_LOCAL,
  async handler(args, ctx) {
    const { profiles, currentKey } = await ctx.auth.listProfiles(args.profile);
    const summary = profiles.length
      ? profiles
          .map(
            (p) =>
              `${p.current ? '*' : ' '} ${p.name} (${p.olaresId}) ${p.status}${p.backend ? ` [${p.backend}]` : ''}`,
          )
          .join('\n')
      : 'no profiles configured. Add one with profile_login {olaresId} or profile_import.';
    // The link is shown again for an agent that lost it: it is no more secret here than in the
    // profile_login result, and it only opens a page on this machine where the user types.
    const pendingLogins = listPendingLogins(ctx.auth.home).map((r) => ({
      olaresId: r.olaresId,
      name: r.name,
      loginUrl: r.url,
      linkExpiresAt: new Date(r.expiresAt).toISOString(),
    }));
    const waiting = pendingLogins.map(
      (p) => `login pending for ${p.olaresId} until ${p.linkExpiresAt}: ${p.loginUrl}`,
    );
    return {
      data: {
        profiles,
        currentProfile: currentKey,
        pendingLogins: pendingLogins.length ? pendingLogins : undefined,
      },
      summary: [summary, ...waiting].join('\n'),
    };
  },
});

export const profileUse = defineTool({
  name: 'profile_use',
  title: 'Switch profile',
  description: 'Make a profile current.',
  toolset: 'profile',
  allowInReadOnly: true,
  input: { name: z.string().min(1).describe('Name, olaresId, or "-" (the previous one)') },
  output: { name: z.string(), olaresId: z.string(), changed: z.boolean() },
  annotations: MUTATE_LOCAL_IDEMPOTENT,
  async handler({ name }, ctx) {
    const cfg = await ctx.auth.profiles.load();
    const key = name.trim() === '-' ? cfg.previousProfile : name;
    const target = key ? findProfile(cfg, key) : undefined;
    const current = currentProfile(cfg);
    if (target && target !== current)
      await confirmSwitch(ctx, target.name || target.olaresId, target.olaresId);
    const { profile, changed } = await ctx.auth.profiles.use(name);
    const display = profile.name || profile.olaresId;
    return {
      data: { name: display, olaresId: profile.olaresId, changed },
      summary: changed
        ? `switched to profile ${display} (${profile.olaresId})`
        : `${display} is already the current profile`,
    };
  },
});

export const profileRemove = defineTool({
  name: 'profile_remove',
  title: 'Remove profile',
  description: 'Remove a profile and its stored token (local only).',
  toolset: 'profile',
  input: {
    name: z.string().min(1).describe('Name or olaresId'),
    dryRun: z.boolean().optional(),
  },
  output: {
    removed: z.string(),
    olaresId: z.string(),
    currentProfile: z.string().optional(),
    warning: z.string().optional(),
    ...dryRunOutput,
  },
  annotations: DESTRUCTIVE_LOCAL,
  async handler({ name, dryRun }, ctx) {
    const target = await ctx.auth.profiles.resolve(name);
    const display = target.name || target.olaresId;
    if (dryRun) {
      return {
        data: { removed: display, olaresId: target.olaresId, dryRun: true },
        summary: `dry run: would remove profile ${display} (${target.olaresId}) and its stored token`,
      };
    }
    await ctx.confirm({
      question: `Remove the Olares profile ${display} and delete its stored token?`,
      targets: [`${display} (${target.olaresId})`],
      kind: 'destructive',
    });
    const { removed, current, tokenWarning } = await ctx.auth.removeProfile(name);
    return {
      data: {
        removed: display,
        olaresId: removed.olaresId,
        currentProfile: current,
        warning: tokenWarning,
        dryRun: false,
      },
      summary: `removed profile ${display} (${removed.olaresId}); ${current ? `current profile is now: ${current}` : 'no profiles remain.'}${tokenWarning ? `\nwarning: ${tokenWarning}` : ''}`,
    };
  },
});

const makeCurrentArg = z.boolean().optional().describe('Make it current (asks the user)');

export const profileImport = defineTool({
  name: 'profile_import',
  title: 'Import profile',
  description:
    "Add or renew a profile from a stored refresh token (env or file; never the value); a new auth host needs the user's yes.",
  toolset: 'profile',
  allowInReadOnly: true,
  input: {
    olaresId: z.string().describe('e.g. alice@olares.com'),
    name: z.string().min(1).optional().describe('Profile alias'),
    refreshTokenEnv: z.string().optional().describe('Must be OLARES_REFRESH_TOKEN'),
    refreshTokenFile: z.string().optional().describe('Token file path (in the local roots)'),
    makeCurrent: makeCurrentArg,
    noSwitch: z.boolean().optional().describe('Deprecated, ignored'),
  },
  output: {
    name: z.string(),
    olaresId: z.string(),
    backend: z.string(),
    switched: z.boolean().describe('whether the current profile changed'),
    previousProfile: z.string().optional(),
    expiresAt: z.string().optional(),
  },
  annotations: MUTATE,
  auditTarget: async (a, ctx) => ({
    olaresId: a.olaresId,
    name: a.name,
    source: a.refreshTokenEnv ? 'env' : 'file',
    authUrl: await authUrlOrWhy(a.olaresId, ctx),
  }),
  async handler(args, ctx) {
    const { olaresId } = parseOlaresId(args.olaresId);
    await ctx.auth.checkProfileName(olaresId, args.name);
    const envOnly = ctx.auth.config.readOnly;
    const roots = args.refreshTokenFile && !envOnly ? await ctx.localRoots() : undefined;
    const makeCurrent = await wantsSwitch(ctx, olaresId, args.makeCurrent);
    const grant = await ctx.auth.importRefreshToken(olaresId, args, {
      policy: { roots: roots ?? [], envOnly },
      signal: ctx.signal,
      confirmNewHost: (target) => confirmNewHost(ctx, target, 'import'),
      beforeSend: makeCurrent ? () => confirmSwitch(ctx, args.name || olaresId, olaresId) : undefined,
    });
    const r = await ctx.auth.persistGrant({ olaresId, name: args.name, makeCurrent }, grant);
    const lines = [`imported credentials for ${olaresId} (profile: ${r.name})`, switchLine(r)];
    if (r.previous)
      lines.push(`previous profile: ${r.previous} (use profile_use {name: "-"} to switch back)`);
    lines.push(`token stored via ${r.backend}`);
    return {
      data: {
        name: r.name,
        olaresId,
        backend: r.backend,
        switched: r.switched,
        previousProfile: r.previous,
        expiresAt: r.expiresAt,
      },
      summary: lines.join('\n'),
    };
  },
});

const switchLine = (r: { name: string; switched: boolean }) =>
  r.switched
    ? `switched current profile to ${r.name}`
    : `the current profile did not change (profile_use {name: "${r.name}"} switches to it)`;

/**
 * Whether a tool-initiated login or import may make the profile current. It may when the user
 * asked for it and the lock allows it (the caller still confirms), and whenever no profile exists.
 */
async function wantsSwitch(ctx: ToolContext, olaresId: string, asked: boolean | undefined) {
  if (!asked) return false;
  const cfg = await ctx.auth.profiles.load();
  const current = currentProfile(cfg);
  if (!current || current.olaresId === olaresId) return false;
  if (ctx.auth.config.profileLock)
    await ctx.auth.assertPinned(olaresId, `making ${olaresId} the current profile`);
  return true;
}

/** A profile switch redirects every later call without a profile argument: the user must say yes (C1). */
async function confirmSwitch(ctx: ToolContext, display: string, olaresId: string): Promise<void> {
  if (ctx.auth.config.profileLock) await ctx.auth.assertPinned(olaresId, `switching to ${olaresId}`);
  await ctx.confirm({
    kind: 'risky',
    question: `Make ${display} the current Olares profile? Calls without a profile argument will then run as ${olaresId}.`,
    targets: [`${display} (${olaresId})`],
  });
}

/** A credential for a host nobody trusted yet: a form naming that exact host, or nothing (C1). */
async function confirmNewHost(ctx: ToolContext, target: AuthTarget, what: 'import' | 'login') {
  try {
    await ctx.confirm({
      kind: 'credential',
      question: `Send a refresh token for ${target.olaresId} to the new auth host ${target.scheme}//${target.host}?`,
      targets: [`${target.scheme}//${target.host}`],
      details: [
        'No profile uses this host and OLARES_TRUSTED_DOMAINS does not list it. Your agent chose it.',
        'Say yes only if this is your own Olares box.',
      ],
    });
  } catch (err) {
    if (err instanceof ConfirmationRefusedError)
      throw new UntrustedAuthHostError(
        target.host,
        what,
        target.olaresId,
        err.message.replace(/^[^:]+: /, '').replace(/; nothing was changed$/, ''),
      );
    throw err;
  }
}

export const profileLogin = defineTool({
  name: 'profile_login',
  title: 'Log in to Olares',
  description: 'The user types password and TOTP on a one-time local page, never in chat.',
  toolset: 'profile',
  allowInReadOnly: true,
  input: {
    olaresId: z.string().describe('e.g. alice@olares.com'),
    name: z.string().min(1).optional().describe('Profile alias'),
    makeCurrent: makeCurrentArg,
  },
  output: {
    olaresId: z.string(),
    status: z.enum(['logged-in', 'pending', 'declined']),
    authUrl: z.string().optional().describe('Where the page sends the password: scheme and host'),
    newHost: z.boolean().optional().describe('true when no profile uses this auth host yet'),
    switched: z.boolean().optional().describe('whether the current profile changed'),
    loginUrl: z.string().optional().describe('Open in a browser on this machine'),
    linkExpiresAt: z.string().optional(),
    profile: z.string().optional(),
    backend: z.string().optional(),
    expiresAt: z.string().optional(),
  },
  annotations: MUTATE,
  auditTarget: async (a, ctx) => ({
    olaresId: a.olaresId,
    name: a.name,
    authUrl: await authUrlOrWhy(a.olaresId, ctx),
  }),
  async handler(args, ctx) {
    if (ctx.remote) return remoteLogin(ctx, ctx.remote, args.olaresId);
    const { olaresId } = parseOlaresId(args.olaresId);
    await ctx.auth.checkProfileName(olaresId, args.name);
    await ctx.auth.assertCanAuthenticate(olaresId);
    const target = await ctx.auth.authTarget(olaresId);
    const makeCurrent = await wantsSwitch(ctx, olaresId, args.makeCurrent);
    if (makeCurrent) await confirmSwitch(ctx, args.name || olaresId, olaresId);
    const hostInfo = { authUrl: `${target.scheme}//${target.host}`, newHost: !target.trusted };
    const hostLine = target.trusted
      ? `The page sends the password to ${hostInfo.authUrl}.`
      : `The page sends the password to ${hostInfo.authUrl}, a NEW host no profile uses yet: the page warns the user and asks them to type the olaresId.`;
    return loginThroughPage(ctx, { olaresId, name: args.name, makeCurrent, hostInfo, hostLine });
  },
});

/** The audit line names where credentials would go; an olaresId that forms no URL says so instead. */
async function authUrlOrWhy(olaresId: string, ctx: ToolContext): Promise<string> {
  try {
    return await ctx.auth.authUrlFor(olaresId);
  } catch (err) {
    return `none (${errorCode(err)})`;
  }
}

export const profileTools: ToolDeclaration<any, any>[] = [
  profileList,
  profileUse,
  profileRemove,
  profileImport,
  profileLogin,
];
