// The desktop bundle, used as a desktop host uses it: `npm run mcpb` builds it once into a temp
// dir, it is unpacked into an empty folder, its entry point runs there with node and a clean
// environment, and it must carry a keychain binding built for each desktop platform.
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanEnv,
  connectWith,
  filesUnder,
  lockedVersion,
  packageJson,
  ROOT,
  readJson,
  registryProblem,
  type Scratch,
  scratch,
} from './helpers/packaging.js';
import { selfSignedCert } from './helpers/tls.js';

const exec = promisify(execFile);
const MCPB_CLI = join(ROOT, 'node_modules', '@anthropic-ai', 'mcpb', 'dist', 'cli', 'cli.js');
const SCRIPT = join(ROOT, 'scripts', 'mcpb.mjs');
const opensslVersion = (() => {
  try {
    return execFileSync('openssl', ['version'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
})();
const offline = await registryProblem();
if (offline) console.warn(`desktop bundle tests skipped: ${offline}`);

/** Each desktop platform: its binding package, and what the binary's header must say. */
const PLATFORMS = [
  { pkg: 'darwin-arm64', format: 'mach-o', cpu: 0x0100000c },
  { pkg: 'darwin-x64', format: 'mach-o', cpu: 0x01000007 },
  { pkg: 'win32-x64-msvc', format: 'pe', cpu: 0x8664 },
  { pkg: 'linux-x64-gnu', format: 'elf', cpu: 62 },
  { pkg: 'linux-arm64-gnu', format: 'elf', cpu: 183 },
] as const;

/** Object format and CPU a native binary was built for, read from its header. */
function binaryTarget(file: string): { format: string; cpu: number } {
  const b = readFileSync(file);
  if (b.readUInt32LE(0) === 0xfeedfacf) return { format: 'mach-o', cpu: b.readUInt32LE(4) };
  if (b.readUInt32BE(0) === 0x7f454c46) return { format: 'elf', cpu: b.readUInt16LE(18) };
  if (b.toString('latin1', 0, 2) === 'MZ') {
    const pe = b.readUInt32LE(0x3c);
    if (b.toString('latin1', pe, pe + 4) === 'PE\0\0') return { format: 'pe', cpu: b.readUInt16LE(pe + 4) };
  }
  return { format: 'unknown', cpu: -1 };
}

/** The command and environment a desktop host derives from manifest.json with default settings. */
function desktopLaunch(manifest: any, appDir: string, documents: string) {
  const defaults = Object.fromEntries(
    Object.entries<any>(manifest.user_config).map(([k, v]) => [k, String(v.default ?? '')]),
  );
  const builtins: Record<string, string> = { __dirname: appDir, DOCUMENTS: documents };
  // Settings first: a setting's default may itself name a built-in such as the documents folder.
  const substitute = (s: string) =>
    s
      .replace(/\$\{user_config\.(\w+)\}/g, (_, k) => defaults[k] ?? '')
      .replace(/\$\{(\w+)\}/g, (whole, k) => builtins[k] ?? whole);
  const { command, args, env } = manifest.server.mcp_config;
  return {
    command: command === 'node' ? process.execPath : command,
    args: args.map(substitute),
    env: Object.fromEntries(Object.entries<string>(env).map(([k, v]) => [k, substitute(v)])),
  };
}

describe.skipIf(offline)('npm run mcpb: the desktop bundle', () => {
  let tmp: Scratch;
  let bundle: string;
  let app: string;

  beforeAll(async () => {
    tmp = await scratch('olares-mcpb-');
    bundle = join(tmp.dir, 'olares-mcp.mcpb');
    await exec(process.execPath, [SCRIPT, '--out', bundle, '--work', join(tmp.dir, 'work')], {
      cwd: ROOT,
      env: tmp.npmEnv,
      timeout: 240_000,
    });
    app = join(tmp.dir, 'app');
    await exec(process.execPath, [MCPB_CLI, 'unpack', bundle, app], { timeout: 60_000 });
  }, 300_000);
  afterAll(() => (tmp ? rm(tmp.dir, { recursive: true, force: true }) : undefined));

  it('is at most 10 MB and holds the built server, its manifest and runtime dependencies only', () => {
    expect(statSync(bundle).size).toBeLessThanOrEqual(10 * 1024 * 1024);
    const files = filesUnder(app);
    const allowed = [
      /^manifest\.json$/,
      /^package\.json$/,
      // The bin, dist/package.json (CommonJS), the bundle and the licences found in it.
      /^dist\/package\.json$/,
      /^dist\/[\w-]+\.(js|cjs|mjs)$/,
      /^dist\/[\w-]+\.cjs\.LEGAL\.txt$/,
      /^node_modules\/@napi-rs\/keyring(-[a-z0-9-]+)?\/[\w.-]+$/,
    ];
    expect(files.filter((f) => !allowed.some((re) => re.test(f)))).toEqual([]);
    expect(files).toContain('dist/cli.js');
    const bundled = readJson(join(app, 'package.json'));
    expect(bundled).toMatchObject({ name: packageJson.name, version: packageJson.version, type: 'module' });
    expect(readJson(join(app, 'manifest.json'))).toEqual(readJson(join(ROOT, 'manifest.json')));
  });

  it('carries the keychain binding of darwin-arm64, darwin-x64, win32-x64, linux-x64 and linux-arm64', () => {
    const keyring = readJson(join(app, 'node_modules', '@napi-rs', 'keyring', 'package.json'));
    expect(keyring.version).toBe(lockedVersion('@napi-rs/keyring'));
    const installed = readdirSync(join(app, 'node_modules', '@napi-rs'));
    for (const p of PLATFORMS) {
      const dir = join(app, 'node_modules', '@napi-rs', `keyring-${p.pkg}`);
      expect(installed, p.pkg).toContain(`keyring-${p.pkg}`);
      expect(readJson(join(dir, 'package.json')).version, p.pkg).toBe(keyring.version);
      expect(binaryTarget(join(dir, `keyring.${p.pkg}.node`)), p.pkg).toEqual({
        format: p.format,
        cpu: p.cpu,
      });
    }
  });

  it('passes the pinned mcpb validator as unpacked', async () => {
    const { stdout } = await exec(process.execPath, [MCPB_CLI, 'validate', join(app, 'manifest.json')]);
    expect(stdout).toMatch(/validation passes/i);
  });

  it('starts from the unpacked folder with node and a clean environment, and lists every tool', async () => {
    const manifest = readJson(join(app, 'manifest.json'));
    const home = join(tmp.dir, 'home');
    const documents = join(home, 'Documents');
    mkdirSync(documents, { recursive: true });
    const launch = desktopLaunch(manifest, app, documents);
    const env = cleanEnv(home, launch.env);
    expect(Object.values(env).filter((v) => v.includes(join(ROOT, 'node_modules')))).toEqual([]);
    const cwd = join(tmp.dir, 'empty');
    mkdirSync(cwd);
    const { client } = await connectWith(launch.command, launch.args, env, cwd);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(manifest.tools.map((t: any) => t.name).sort());
      const listed = (await client.callTool({ name: 'profile_list', arguments: {} })) as any;
      expect(listed.isError, JSON.stringify(listed)).toBeFalsy();
      expect(listed.structuredContent.profiles).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('loads the bundled keychain binding on this machine without the repository', async () => {
    const target = PLATFORMS.find((p) => p.pkg.startsWith(`${process.platform}-${process.arch}`));
    if (!target) {
      console.warn(`binding load check skipped: ${process.platform}-${process.arch} is not a bundle target`);
      return;
    }
    const home = join(tmp.dir, 'home-load');
    const script = "import('@napi-rs/keyring').then((m) => console.log(typeof m.Entry))";
    const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', script], {
      cwd: app,
      env: cleanEnv(home),
    });
    expect(stdout.trim()).toBe('function');
  });

  it('refuses a signing key without its certificate and leaves the bundle as it was', async () => {
    const copy = join(tmp.dir, 'half.mcpb');
    copyFileSync(bundle, copy);
    const err: any = await exec(process.execPath, [SCRIPT, '--sign-only', copy], {
      env: { ...tmp.npmEnv, MCPB_SIGNING_KEY: join(tmp.dir, 'key.pem') },
    }).catch((e) => e);
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/MCPB_SIGNING_KEY is set but MCPB_SIGNING_CERT is not/);
    expect(readFileSync(copy).equals(readFileSync(bundle))).toBe(true);
  });

  it.skipIf(!opensslVersion)(
    `signs the bundle when MCPB_SIGNING_KEY is set${opensslVersion ? '' : ' (skipped: no openssl to make a test certificate)'}`,
    async () => {
      selfSignedCert(tmp.dir, 'olares-mcp test signer');
      const key = join(tmp.dir, 'key.pem');
      const cert = join(tmp.dir, 'cert.pem');
      const signed = join(tmp.dir, 'signed.mcpb');
      copyFileSync(bundle, signed);
      // The key as a file path, the certificate as PEM text: CI secrets come in both forms.
      await exec(process.execPath, [SCRIPT, '--sign-only', signed], {
        env: { ...tmp.npmEnv, MCPB_SIGNING_KEY: key, MCPB_SIGNING_CERT: readFileSync(cert, 'utf8') },
      });
      // `mcpb verify` also wants a chain the OS trusts, which a test certificate is not, so the
      // PKCS#7 signature MCPB appends to the zip is checked with openssl instead.
      const zip = readFileSync(bundle);
      const out = readFileSync(signed);
      expect(out.subarray(0, zip.length).equals(zip)).toBe(true);
      const header = Buffer.from('MCPB_SIG_V1');
      expect(out.subarray(zip.length, zip.length + header.length).equals(header)).toBe(true);
      const start = zip.length + header.length + 4;
      const end = start + out.readUInt32LE(zip.length + header.length);
      expect(out.subarray(end).toString()).toBe('MCPB_SIG_END');
      const signature = join(tmp.dir, 'signature.der');
      writeFileSync(signature, out.subarray(start, end));
      const checked = await exec('openssl', [
        'cms',
        '-verify',
        '-binary',
        '-noverify',
        '-inform',
        'DER',
        '-in',
        signature,
        '-content',
        bundle,
        '-out',
        join(tmp.dir, 'content'),
      ]);
      expect(checked.stderr).toMatch(/Verification successful/);
      const signer = await exec('openssl', [
        'pkcs7',
        '-inform',
        'DER',
        '-in',
        signature,
        '-print_certs',
        '-noout',
      ]);
      expect(signer.stdout).toMatch(/subject=.*olares-mcp test signer/);
    },
  );
});
