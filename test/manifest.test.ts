// The MCPB manifest (Claude Desktop bundle) lists exactly the tools the server registers and
// passes the pinned mcpb validator.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { allTools } from '../src/tools/registry.js';

const root = join(import.meta.dirname, '..');
const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8'));
const MCPB = join(root, 'node_modules', '.bin', 'mcpb');

describe('manifest.json', () => {
  it('lists every registered tool and nothing else, with its description', () => {
    const listed = new Map(manifest.tools.map((t: any) => [t.name, t.description]));
    expect([...listed.keys()].sort()).toEqual(allTools.map((t) => t.name).sort());
    for (const t of allTools) expect(listed.get(t.name), t.name).toBe(t.description);
  });

  it('runs the built entry point with user_config passed through env', () => {
    expect(manifest.server.entry_point).toBe('dist/cli.js');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an MCPB placeholder, not a template
    expect(manifest.server.mcp_config.args).toEqual(['${__dirname}/dist/cli.js']);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an MCPB placeholder, not a template
    expect(manifest.server.mcp_config.env.OLARES_URL_TEMPLATE).toBe('${user_config.url_template}');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an MCPB placeholder, not a template
    expect(manifest.server.mcp_config.env.OLARES_PROFILE).toBe('${user_config.profile}');
    // Without a folder here (and no client roots) local transfers are refused: never the cwd.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an MCPB placeholder, not a template
    expect(manifest.server.mcp_config.env.OLARES_LOCAL_ROOTS).toBe('${user_config.local_roots}');
    expect(manifest.user_config.local_roots).toMatchObject({ type: 'directory', required: false });
    expect(manifest.version).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
  });

  it.skipIf(!existsSync(MCPB))(
    'passes `mcpb validate` (skipped when node_modules/.bin/mcpb is missing)',
    async () => {
      const { stdout } = await promisify(execFile)(MCPB, ['validate', join(root, 'manifest.json')]);
      expect(stdout).toMatch(/validation passes/i);
    },
  );
});
