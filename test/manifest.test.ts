// The MCPB manifest (Claude Desktop bundle) lists exactly the tools the server registers and
// passes the pinned mcpb validator.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { allTools } from '../src/tools/toolsets.js';

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

  it('is a 0.3 manifest for every desktop platform', () => {
    expect(manifest.manifest_version).toBe('0.3');
    expect(manifest.compatibility.platforms.sort()).toEqual(['darwin', 'linux', 'win32']);
  });

  it('offers one local folder for transfers and a read-only switch (the trust boundary)', () => {
    const { env } = manifest.server.mcp_config;
    expect(manifest.user_config.local_roots).toMatchObject({ type: 'directory' });
    expect(manifest.user_config.local_roots.multiple).toBeFalsy();
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an MCPB placeholder, not a template
    expect(env.OLARES_LOCAL_ROOTS).toBe('${user_config.local_roots}');
    expect(manifest.user_config.read_only).toMatchObject({ type: 'boolean', default: false });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an MCPB placeholder, not a template
    expect(env.OLARES_READ_ONLY).toBe('${user_config.read_only}');
  });

  it('gives every setting used in env a default that the server accepts as meant', () => {
    const { env } = manifest.server.mcp_config;
    const used = Object.values<string>(env).flatMap((v) =>
      [...v.matchAll(/\$\{user_config\.(\w+)\}/g)].map((m) => m[1]),
    );
    expect(used.length).toBeGreaterThan(0);
    for (const key of used) expect(manifest.user_config[key]?.default, key).not.toBeUndefined();
    // What a desktop host hands the server when the user changes nothing.
    const documents = join(root, 'no-such-documents-dir');
    const substituted = Object.fromEntries(
      Object.entries<string>(env).map(([k, v]) => [
        k,
        v
          .replace(/\$\{user_config\.(\w+)\}/g, (_, key) => String(manifest.user_config[key].default))
          .replace(/\$\{DOCUMENTS\}/g, documents),
      ]),
    );
    const config = loadConfig(substituted);
    expect(config).toMatchObject({ readOnly: false, tokenStore: 'auto', localRoots: [documents] });
  });

  it.skipIf(!existsSync(MCPB))(
    'passes `mcpb validate` (skipped when node_modules/.bin/mcpb is missing)',
    async () => {
      const { stdout } = await promisify(execFile)(MCPB, ['validate', join(root, 'manifest.json')]);
      expect(stdout).toMatch(/validation passes/i);
    },
  );
});
