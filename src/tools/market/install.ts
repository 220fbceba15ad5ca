// market_install and the upgrade request: which version goes out, and the env values sent with
// an install (the caller's, plus secrets generated here and never shown).
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { InvalidInputError } from '../../errors.js';
import { type AppRow, DEFAULT_SOURCE, type MarketClient, NOT_INSTALLED } from '../../olares/market.js';
import { MUTATE } from '../annotations.js';
import { defineTool } from '../defineTool.js';
import { cloneApp } from './clone.js';
import {
  accepted,
  appArg,
  market,
  type OperationResult,
  resultShape,
  send,
  summarize,
  waitArg,
} from './shared.js';
import { waitFor } from './watch.js';

const ENV_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Where a person reads an app's env values: the server never returns the generated ones. */
const SETTINGS_ENV_HINT = (title: string) => `Settings > Applications > ${title} > Environment variables`;

/** A value for a secret env variable: 32 random bytes, URL-safe (any app accepts it as text). */
const generateSecret = () => randomBytes(32).toString('base64url');

/**
 * The env values sent with an install: the caller's, plus a generated value for each name in
 * generate. Only variables the catalog declares may be generated, and never one given a value
 * too: a name from an injected prompt cannot add variables the app does not know.
 */
function envsToSend(
  app: string,
  declared: string[],
  given: Record<string, string> | undefined,
  generate: string[] | undefined,
): Record<string, string> | undefined {
  if (!generate?.length) return given;
  const unknown = generate.filter((n) => !declared.includes(n));
  if (unknown.length)
    throw new InvalidInputError(
      `generateEnvs names ${unknown.join(', ')}, which '${app}' does not declare (it declares: ${declared.join(', ') || 'none'}). Nothing was installed. Fix: name only variables market_get lists`,
    );
  const both = generate.filter((n) => given && n in given);
  if (both.length)
    throw new InvalidInputError(
      `${both.join(', ')} is both given in envs and named in generateEnvs; keep one. Nothing was installed`,
    );
  return { ...given, ...Object.fromEntries(generate.map((n) => [n, generateSecret()])) };
}

export const marketInstall = defineTool({
  name: 'market_install',
  title: 'Install',
  description: 'Install a market app (cloneTitle: one more instance); errors name what is missing.',
  toolset: 'market',
  input: {
    app: appArg,
    version: z.string().optional().describe('Default: latest'),
    envs: z.record(z.string(), z.string()).optional().describe('e.g. {"API_KEY": "..."}'),
    generateEnvs: z
      .array(z.string().max(100))
      .max(20)
      .optional()
      .describe('Envs to fill with secrets (never shown)'),
    computeMode: z.string().optional().describe('e.g. cpu or nvidia'),
    source: z.string().optional().describe(`Default ${DEFAULT_SOURCE}`),
    cloneTitle: z.string().max(100).optional().describe("The new instance's title (confirmed)"),
    wait: waitArg,
  },
  output: resultShape,
  annotations: MUTATE,
  auditTarget: (a) => ({
    app: a.app,
    version: a.version,
    envNames: Object.keys(a.envs ?? {}),
    generatedEnvNames: a.generateEnvs,
    computeMode: a.computeMode,
    cloneTitle: a.cloneTitle,
  }),
  async handler(
    { app, version, envs, generateEnvs, computeMode, source = DEFAULT_SOURCE, cloneTitle, wait },
    ctx,
  ) {
    for (const name of [...Object.keys(envs ?? {}), ...(generateEnvs ?? [])])
      if (!ENV_NAME.test(name))
        throw new InvalidInputError(
          `env name "${name.slice(0, 60)}" is invalid (letters, digits and _; must start with a letter)`,
        );
    if (version && !/^v?\d+\.\d+\.\d+([-.+][0-9A-Za-z.-]+)?$/.test(version))
      throw new InvalidInputError(
        `invalid version '${version.slice(0, 40)}': must be a valid semver (e.g. 1.0.0, 1.2.3)`,
      );
    const { m, user } = await market(ctx, app);
    if (cloneTitle !== undefined) {
      if (version || generateEnvs?.length)
        throw new InvalidInputError(
          'a clone takes the catalog version and no generateEnvs; drop version/generateEnvs',
        );
      return cloneApp({ app, title: cloneTitle, source, envs, computeMode, wait }, m, user, ctx);
    }
    const row = await m.row(app, ctx.signal);
    if (row && !NOT_INSTALLED.has(row.state)) {
      throw new InvalidInputError(
        `'${app}' is already installed (state ${row.state}${row.version ? `, version ${row.version}` : ''}). Use market_upgrade for a newer version, or market_status to follow it`,
      );
    }
    const detail = await m.detail(app, source, ctx.signal);
    const target = version?.replace(/^v/, '') || detail.version;
    if (!target)
      throw new InvalidInputError(
        `cannot determine the version of '${app}' in source '${source}'; pass version`,
      );
    const declared = detail.envs.map((e) => e.name);
    const sending = envsToSend(app, declared, envs, generateEnvs);
    const sent = await send('install', app, m, ctx.signal, () =>
      m.install(app, { source, version: target, envs: sending, computeMode }, ctx.signal),
    );
    const generated = generateEnvs?.length ? [...generateEnvs] : undefined;
    const where = generated
      ? `; generated ${generated.join(', ')}: the user reads the value in ${SETTINGS_ENV_HINT(detail.title)}`
      : '';
    const base: OperationResult = {
      app,
      operation: 'install',
      status: 'accepted',
      message: accepted(`install requested for version ${target}${where}`, sent),
      user,
      source,
      version: target,
      urls: m.entrances(app, detail).map((e) => e.url),
      generatedEnvs: generated,
    };
    const result = wait ? await waitFor('install', app, m, ctx, base, row?.statusTime) : base;
    if (wait && where) result.message += where;
    return { data: result, summary: summarize(result) };
  },
});

/** Upgrades to the given version, else the catalog's latest; never to the same or an older one. */
export async function requestUpgrade(
  app: string,
  version: string | undefined,
  row: AppRow,
  m: MarketClient,
  base: OperationResult,
  signal: AbortSignal,
) {
  const target = version?.replace(/^v/, '') || (await m.detail(app, row.source, signal)).version;
  if (row.version && target.localeCompare(row.version, undefined, { numeric: true }) <= 0) {
    throw new InvalidInputError(
      target === row.version
        ? `cannot upgrade '${app}': version ${target} is already installed; nothing to do`
        : `cannot upgrade '${app}': ${target} is older than the installed ${row.version}; uninstall and reinstall the older version instead`,
    );
  }
  const sent = await send('upgrade', app, m, signal, () => m.upgrade(row, target, signal));
  base.message = `upgrade requested for version ${target}`;
  base.version = target;
  return sent;
}
