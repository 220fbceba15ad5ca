// Market reads: the catalog (or the installed apps), one app's details, and live states.
import { z } from 'zod';
import { InvalidInputError } from '../../errors.js';
import { DEFAULT_SOURCE, type MarketClient, NOT_INSTALLED } from '../../olares/market.js';
import { READ } from '../annotations.js';
import { defineTool } from '../defineTool.js';
import { slicePage } from '../paging.js';
import { appArg, market } from './shared.js';

type ListedApp = {
  name: string;
  title: string;
  version: string;
  installed?: string;
  source: string;
  categories: string[];
};

/** The installed market apps, with their catalog titles and categories (a clone by its raw app). */
async function installedApps(
  m: MarketClient,
  catalog: ListedApp[],
  signal: AbortSignal,
): Promise<ListedApp[]> {
  const rows = (await m.rows(signal)).filter((r) => !NOT_INSTALLED.has(r.state));
  return rows.map((r) => {
    const raw = r.rawAppName ?? r.name;
    const c =
      catalog.find((x) => x.name === raw && x.source === r.source) ?? catalog.find((x) => x.name === raw);
    return {
      name: r.name,
      title: c?.title ?? r.name,
      version: c?.version ?? '',
      installed: r.version ?? '',
      source: r.source,
      categories: c?.categories ?? [],
    };
  });
}

/** olares-cli `market categories`: apps per category, over what the filters kept. */
function countCategories(apps: ListedApp[]) {
  const counts: Record<string, number> = {};
  for (const a of apps) for (const c of a.categories) counts[c] = (counts[c] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

export const marketList = defineTool({
  name: 'market_list',
  title: 'List apps',
  description:
    'Market catalog, or (mine) installed market apps, with category counts; states: market_status.',
  toolset: 'market',
  input: {
    mine: z.boolean().optional().describe('Installed ones only'),
    source: z.string().max(100).optional().describe('Default: all'),
    category: z.string().optional().describe('e.g. Productivity'),
    limit: z.number().int().min(1).max(500).optional().describe('Default 100'),
    page: z.number().int().min(1).optional().describe('1-based'),
  },
  output: {
    apps: z.array(
      z.object({
        name: z.string(),
        title: z.string(),
        version: z.string().describe('Latest in the catalog'),
        installed: z.string().optional().describe('Installed version (mine)'),
        source: z.string(),
        categories: z.array(z.string()),
      }),
    ),
    total: z.number(),
    nextPage: z.number().optional(),
    categoryCounts: z.record(z.string(), z.number()).describe('Apps per category, over all pages'),
  },
  annotations: READ,
  async handler({ mine, source, category, limit = 100, page = 1 }, ctx) {
    const { m } = await market(ctx);
    const catalog = await m.catalog(ctx.signal);
    let apps: ListedApp[] = mine ? await installedApps(m, catalog, ctx.signal) : catalog;
    if (source) {
      const known = [...new Set(catalog.map((a) => a.source))];
      if (!known.includes(source))
        throw new InvalidInputError(
          `source '${source.slice(0, 100)}' is not one of this box's market sources: ${known.join(', ') || 'none'}`,
        );
      apps = apps.filter((a) => a.source === source);
    }
    if (category)
      apps = apps.filter((a) => a.categories.some((c) => c.toLowerCase() === category.toLowerCase()));
    const where = `${source ? ` from ${source}` : ''}${category ? ` in category ${category}` : ''}`;
    const { items: shown, nextPage } = slicePage(apps, limit, page);
    return {
      data: { apps: shown, total: apps.length, nextPage, categoryCounts: countCategories(apps) },
      summary: `${apps.length} app(s)${mine ? ' installed' : ' in the catalog'}${where}`,
    };
  },
});

export const marketGet = defineTool({
  name: 'market_get',
  title: 'Show app',
  description: 'A market app: version, description, entrance URLs, envs and compute modes.',
  toolset: 'market',
  input: { app: appArg, source: z.string().optional().describe(`Default ${DEFAULT_SOURCE}`) },
  output: {
    name: z.string(),
    title: z.string(),
    version: z.string(),
    source: z.string(),
    description: z.string().optional(),
    developer: z.string().optional(),
    categories: z.array(z.string()),
    entrances: z.array(z.object({ name: z.string(), title: z.string().optional(), url: z.string() })),
    envs: z.array(
      z.object({
        name: z.string(),
        required: z.boolean(),
        description: z.string().optional(),
        secret: z.boolean().optional(),
      }),
    ),
    computeModes: z.array(z.string()),
  },
  annotations: READ,
  async handler({ app, source = DEFAULT_SOURCE }, ctx) {
    const { m } = await market(ctx, app);
    const d = await m.detail(app, source, ctx.signal);
    const data = {
      name: d.name,
      title: d.title,
      version: d.version,
      source,
      description: d.description,
      developer: d.developer,
      categories: d.categories,
      entrances: m.entrances(d.name, d),
      envs: d.envs,
      computeModes: d.computeModes,
    };
    return {
      data,
      summary: `${data.title} ${data.version} (${source})${data.envs.some((e) => e.required) ? '; it needs env variables: give them in envs, or have secrets generated with generateEnvs' : ''}`,
    };
  },
});

export const marketStatus = defineTool({
  name: 'market_status',
  title: 'App status',
  description: 'Live state of installed market apps, or of one.',
  toolset: 'market',
  input: { app: appArg.optional() },
  output: {
    apps: z.array(
      z.object({
        name: z.string(),
        state: z.string(),
        opType: z.string().optional(),
        progress: z.string().optional(),
        version: z.string().optional(),
        source: z.string().optional(),
        message: z.string().optional(),
      }),
    ),
  },
  annotations: READ,
  async handler({ app }, ctx) {
    const { m } = await market(ctx, app);
    const rows = (await m.rows(ctx.signal)).filter((r) => (app ? r.name === app : r.state !== 'uninstalled'));
    if (app && rows.length === 0)
      throw new InvalidInputError(
        `app '${app}' is not installed (install it with market_install {app: "${app}"})`,
      );
    const apps = rows.map((r) => ({
      name: r.name,
      state: r.state,
      opType: r.opType,
      progress: r.progress,
      version: r.version,
      source: r.source,
      message: r.message,
    }));
    return {
      data: { apps },
      summary: apps.length
        ? apps.map((a) => `${a.name}: ${a.state}${a.opType ? ` (${a.opType})` : ''}`).join('\n')
        : 'no apps installed',
    };
  },
});
