// The tool surface is a contract (docs/architecture.md#tool-surface): every tool's JSON is kept in
// test/__toolsnaps__/<name>.json so a changed surface shows in review. A missing snapshot is
// written on a developer machine and fails in CI; UPDATE_TOOLSNAPS=1 rewrites them on purpose.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { inputSchemaOf } from '../src/tools/defineTool.js';
import { allTools } from '../src/tools/toolsets.js';
import { connect, type McpSession } from './helpers/mcp.js';

/** The advertised JSON plus the full result shape (tools/list only says `type: object`). */
const snapshotOf = (t: any) => {
  const decl = allTools.find((d) => d.name === t.name);
  return JSON.parse(
    JSON.stringify({
      tool: t,
      resultShape: decl ? z.toJSONSchema(z.object(decl.output), { io: 'output' }) : null,
    }),
  );
};

const SNAP_DIR = join(import.meta.dirname, '__toolsnaps__');
const update = process.env.UPDATE_TOOLSNAPS === '1';

const FIXED_NAMES = [
  'profile_list',
  'profile_use',
  'profile_remove',
  'profile_import',
  'profile_login',
  'doctor',
  'files_ls',
  'files_stat',
  'files_cat',
  'files_download',
  'files_upload',
  'files_mkdir',
  'files_rm',
  'files_cp',
  'files_mv',
  'files_rename',
  'market_list',
  'market_get',
  'market_status',
  'market_install',
  'market_uninstall',
  'market_upgrade',
  'market_stop',
  'market_resume',
  'market_restart',
  'market_cancel',
  'cluster_pods',
  'cluster_pod_get',
  'cluster_pod_logs',
  'cluster_pod_events',
  'cluster_pod_restart',
  'cluster_pod_delete',
  'cluster_nodes',
  'cluster_namespaces',
  'cluster_apps',
  'cluster_app_status',
  'dashboard_overview',
];
async function listTools(env: NodeJS.ProcessEnv): Promise<any[]> {
  const s = await connect({
    PATH: process.env.PATH,
    OLARES_MCP_HOME: '/nonexistent-olares-mcp-test',
    ...env,
  });
  try {
    return await s.listTools();
  } finally {
    await s.close();
  }
}

describe('tool surface', () => {
  let session: McpSession;
  let tools: any[];
  beforeAll(async () => {
    session = await connect({
      PATH: process.env.PATH,
      OLARES_MCP_HOME: '/nonexistent-olares-mcp-test',
      OLARES_TOOLSETS: 'all',
    });
    tools = await session.listTools();
  });
  afterAll(() => session?.close());

  it('serves every tool name design.md fixes', () => {
    const names = tools.map((t) => t.name);
    expect(FIXED_NAMES.filter((n) => !names.includes(n))).toEqual([]);
    expect(names.some((n) => n.startsWith('files_share_'))).toBe(true);
  });

  it('declares title, short description, output schema and all four annotations on every tool', () => {
    for (const t of tools) {
      expect(t.title, t.name).toBeTruthy();
      expect(t.description.length, `${t.name} description`).toBeLessThanOrEqual(200);
      expect(t.outputSchema?.type, t.name).toBe('object');
      expect(
        allTools.find((d) => d.name === t.name)?.output,
        `${t.name} declares a result shape`,
      ).toBeTruthy();
      for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint']) {
        expect(typeof t.annotations?.[hint], `${t.name}.${hint}`).toBe('boolean');
      }
      // The advertised schema leaves additionalProperties out (tokens); the zod check refuses them.
      const decl = allTools.find((d) => d.name === t.name)!;
      expect(
        inputSchemaOf(decl).safeParse({ notAnArgument: 1 }).success,
        `${t.name} refuses unknown arguments`,
      ).toBe(false);
      expect(t.inputSchema.properties?.profile, `${t.name} takes profile`).toBeDefined();
      for (const key of Object.keys(t.inputSchema.properties ?? {})) {
        expect(key, `${t.name} must not take secrets`).not.toMatch(
          /^(password|totp|token|accessToken|refreshToken|secret)$/i,
        );
      }
    }
  });

  it('matches the snapshots in test/__toolsnaps__', () => {
    mkdirSync(SNAP_DIR, { recursive: true });
    const missing: string[] = [];
    for (const t of tools) {
      const file = join(SNAP_DIR, `${t.name}.json`);
      const json = `${JSON.stringify(snapshotOf(t), null, 2)}\n`;
      if (update || (!existsSync(file) && !process.env.CI)) writeFileSync(file, json);
      if (!existsSync(file)) {
        missing.push(t.name);
        continue;
      }
      expect(
        JSON.parse(readFileSync(file, 'utf8')),
        `${t.name} changed: review it, then UPDATE_TOOLSNAPS=1`,
      ).toEqual(snapshotOf(t));
    }
    expect(missing, 'tools without a committed snapshot').toEqual([]);
    const stale = readdirSync(SNAP_DIR)
      .map((f) => f.replace(/\.json$/, ''))
      .filter((n) => !tools.some((t) => t.name === n));
    expect(stale, 'snapshots of tools that no longer exist').toEqual([]);
  });

  it('filters by OLARES_TOOLSETS and OLARES_READ_ONLY', async () => {
    const filesOnly = (await listTools({ OLARES_TOOLSETS: 'files' })).map((t) => t.name);
    expect(filesOnly.filter((n) => n.startsWith('market_') || n.startsWith('cluster_'))).toEqual([]);
    expect(filesOnly).toContain('profile_list');
    expect(filesOnly).toContain('doctor');
    const readOnly = await listTools({ OLARES_READ_ONLY: '1' });
    const allowed = new Set(['profile_login', 'profile_import', 'profile_use']);
    for (const t of readOnly) if (!allowed.has(t.name)) expect(t.annotations.readOnlyHint, t.name).toBe(true);
    expect(readOnly.map((t) => t.name)).not.toContain('profile_remove');
    expect(readOnly.length).toBeLessThan(tools.length);
  });
});
