// The npm package as a user gets it: `npm pack` of the checkout (dist/ is built by pretest),
// installed into an empty prefix, its `olares-mcp` bin started with a clean environment.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { selectTools } from '../src/tools/registry.js';
import {
  cleanEnv,
  connectWith,
  npm,
  packageJson,
  ROOT,
  registryProblem,
  type Scratch,
  scratch,
} from './helpers/packaging.js';

const exec = promisify(execFile);
const offline = await registryProblem();
if (offline) console.warn(`npm package install tests skipped: ${offline}`);

interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string }[];
}

let tmp: Scratch;
let packed: Packed;
let packing: Promise<void> | undefined;

/** Packs the checkout once for both groups below. */
function packOnce(): Promise<void> {
  packing ??= (async () => {
    if (!existsSync(join(ROOT, 'dist', 'cli.js')))
      throw new Error('dist/cli.js is missing: run npm run build');
    tmp = await scratch('olares-npm-');
    // --ignore-scripts: prepack would rebuild dist/ while other test files run it.
    const { stdout } = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', tmp.dir], {
      cwd: ROOT,
      env: tmp.npmEnv,
    });
    packed = JSON.parse(stdout)[0];
    console.log(
      `npm package: ${packed.filename} ${packed.size} bytes packed, ${packed.unpackedSize} unpacked, ${packed.entryCount} files`,
    );
  })();
  return packing;
}

afterAll(() => (tmp ? rm(tmp.dir, { recursive: true, force: true }) : undefined));

describe('npm pack', () => {
  beforeAll(packOnce, 120_000);

  it('carries the built server and README only: no test, bench, source or simulator source files', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths).toContain('dist/cli.js');
    expect(paths).toContain('package.json');
    const allowed = [
      /^package\.json$/,
      /^README\.md$/,
      /^dist\/package\.json$/,
      /^dist\/[\w-]+\.(js|cjs|mjs)(\.map)?$/,
      /^dist\/[\w-]+\.cjs\.LEGAL\.txt$/,
    ];
    expect(paths.filter((p) => !allowed.some((re) => re.test(p)))).toEqual([]);
    expect(packed.size).toBeLessThan(3 * 1024 * 1024);
  });
});

describe.skipIf(offline)('the npm package installed into an empty prefix', () => {
  let prefix: string;
  let bin: string;
  let home: string;

  beforeAll(async () => {
    await packOnce();
    prefix = join(tmp.dir, 'prefix');
    mkdirSync(prefix);
    await npm(['install', '--no-audit', '--no-fund', '--prefix', prefix, join(tmp.dir, packed.filename)], {
      cwd: prefix,
      env: tmp.npmEnv,
    });
    bin = join(
      prefix,
      'node_modules',
      '.bin',
      process.platform === 'win32' ? 'olares-mcp.cmd' : 'olares-mcp',
    );
    home = join(tmp.dir, 'home');
  }, 180_000);

  it('pulls only the keychain binding besides itself (everything else is inside dist/)', () => {
    const top = readdirSync(join(prefix, 'node_modules')).filter((n) => !n.startsWith('.'));
    expect(top.sort()).toEqual(['@napi-rs', 'olares-mcp']);
    const scoped = readdirSync(join(prefix, 'node_modules', '@napi-rs'));
    expect(scoped).toContain('keyring');
    expect(scoped.filter((n) => !n.startsWith('keyring'))).toEqual([]);
  });

  it('answers tools/list over stdio from the installed olares-mcp bin', async () => {
    const env = cleanEnv(home);
    const cwd = join(tmp.dir, 'empty');
    mkdirSync(cwd, { recursive: true });
    const { client } = await connectWith(bin, [], env, cwd);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(
        selectTools(loadConfig(env))
          .map((t) => t.name)
          .sort(),
      );
      expect(client.getServerVersion()).toMatchObject({ name: 'olares-mcp', version: packageJson.version });
    } finally {
      await client.close();
    }
  });

  it('has --version (package.json version) and --help', async () => {
    const shell = process.platform === 'win32';
    const version = await exec(bin, ['--version'], { env: cleanEnv(home), shell });
    expect(version.stdout).toBe(`olares-mcp ${packageJson.version}\n`);
    const help = await exec(bin, ['--help'], { env: cleanEnv(home), shell });
    expect(help.stdout).toMatch(/^usage: olares-mcp/);
    expect(help.stdout).toMatch(/serve MCP on stdio/);
  });
});
