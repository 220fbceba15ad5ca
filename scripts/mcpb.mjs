// `npm run mcpb`: the desktop bundle (MCPB) for every platform Claude Desktop runs on.
//
// The bundle holds the built server, package.json (for "type": "module"), manifest.json and the
// runtime dependencies only: everything else is inside dist/ already (scripts/build.mjs bundles
// it), so node_modules carries @napi-rs/keyring and one keychain binding per target platform.
// Those bindings are separate registry packages that npm installs only for the machine it runs
// on, so each is fetched with `npm pack` at the version and integrity package-lock.json records.
//
//   node scripts/mcpb.mjs [--out FILE] [--work DIR]     build, pack, validate, sign if asked
//   node scripts/mcpb.mjs --sign-only FILE               sign an existing bundle
//
// Signing: MCPB_SIGNING_KEY and MCPB_SIGNING_CERT (PEM files, or the PEM text itself),
// optional MCPB_SIGNING_INTERMEDIATES (path-delimiter list of PEM files). Without a key the
// bundle is left unsigned and the script says so.

import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const MAX_BYTES = 10 * 1024 * 1024;
/** Keychain binding packages, by the platforms desktop hosts run on. */
export const BINDING_TARGETS = [
  'darwin-arm64',
  'darwin-x64',
  'win32-x64-msvc',
  'linux-x64-gnu',
  'linux-arm64-gnu',
];
const KEYRING = '@napi-rs/keyring';
const MCPB_CLI = join(ROOT, 'node_modules', '@anthropic-ai', 'mcpb', 'dist', 'cli', 'cli.js');

class BundleError extends Error {}

function option(name) {
  const i = process.argv.indexOf(name);
  if (i < 0) return undefined;
  const value = process.argv[i + 1];
  if (!value || value.startsWith('--')) throw new BundleError(`${name} needs a value`);
  return resolve(value);
}

function run(command, args, opts = {}) {
  // npm is npm.cmd on Windows, which only a shell starts.
  const shell = process.platform === 'win32' && command === 'npm';
  return execFileSync(command, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    shell,
    ...opts,
  });
}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** Where Node would find `name` when required from the package at lock path `from`. */
function resolveInLock(lock, from, name) {
  for (let base = from; ; ) {
    const key = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (lock.packages[key]) return key;
    if (!base) return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut < 0 ? '' : base.slice(0, cut);
  }
}

/**
 * Lock paths of the runtime closure: package.json's dependencies and theirs, plus the keychain
 * binding of every target. A path missing from the lock stops the build: guessing a version
 * would ship something nobody tested.
 */
export function runtimePackages(pkg, lock) {
  const found = new Set();
  const visit = (from, name) => {
    const key = resolveInLock(lock, from, name);
    if (!key)
      throw new BundleError(
        `package-lock.json has no entry for ${name} (needed by ${from || 'package.json'}). Fix: npm install`,
      );
    if (found.has(key)) return;
    found.add(key);
    for (const dep of Object.keys(lock.packages[key].dependencies ?? {})) visit(key, dep);
  };
  for (const name of Object.keys(pkg.dependencies ?? {})) visit('', name);
  const keyring = resolveInLock(lock, '', KEYRING);
  if (!keyring || !found.has(keyring)) throw new BundleError(`${KEYRING} is not a runtime dependency`);
  for (const target of BINDING_TARGETS) visit(keyring, `${KEYRING}-${target}`);
  return [...found].map((key) => ({
    key,
    name: key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length),
    version: lock.packages[key].version,
    integrity: lock.packages[key].integrity,
  }));
}

/** Fetches each package's tarball and unpacks it where the lock puts it, checking its integrity. */
function installFromRegistry(packages, bundleDir, workDir) {
  const tarballs = join(workDir, 'tarballs');
  mkdirSync(tarballs, { recursive: true });
  const specs = packages.map((p) => `${p.name}@${p.version}`);
  const packed = JSON.parse(
    run('npm', ['pack', ...specs, '--json', '--pack-destination', tarballs], { cwd: workDir }),
  );
  for (const p of packages) {
    const got = packed.find((x) => x.name === p.name && x.version === p.version);
    if (!got) throw new BundleError(`npm pack did not return ${p.name}@${p.version}`);
    if (!p.integrity)
      throw new BundleError(`package-lock.json has no integrity for ${p.key}. Fix: npm install`);
    if (got.integrity !== p.integrity)
      throw new BundleError(
        `${p.name}@${p.version} from the registry does not match package-lock.json's integrity`,
      );
    const dest = join(bundleDir, p.key);
    mkdirSync(dest, { recursive: true });
    run('tar', ['-xzf', join(tarballs, got.filename), '-C', dest, '--strip-components=1']);
  }
}

function writeBundlePackageJson(pkg, bundleDir) {
  const { name, version, description, license, type, engines } = pkg;
  const slim = { name, version, description, license, type, engines, private: true };
  writeFileSync(join(bundleDir, 'package.json'), `${JSON.stringify(slim, null, 2)}\n`);
}

/** A PEM given as text is written to a private file in `dir`; a path is used as it is. */
function pemFile(value, dir, name) {
  if (!value.includes('-----BEGIN')) return resolve(value);
  const file = join(dir, name);
  writeFileSync(file, value, { mode: 0o600 });
  return file;
}

export function signBundle(bundle, env = process.env) {
  const key = env.MCPB_SIGNING_KEY?.trim();
  if (!key) {
    console.log('unsigned: set MCPB_SIGNING_KEY and MCPB_SIGNING_CERT to sign the bundle');
    return false;
  }
  const cert = env.MCPB_SIGNING_CERT?.trim();
  if (!cert)
    throw new BundleError(
      'MCPB_SIGNING_KEY is set but MCPB_SIGNING_CERT is not. Fix: set MCPB_SIGNING_CERT to the PEM certificate of that key (a file path or the PEM text)',
    );
  // PEM text goes to a private temp dir, never beside the bundle in a checkout.
  const secrets = mkdtempSync(join(tmpdir(), 'olares-mcpb-sign-'));
  try {
    const args = [
      'sign',
      bundle,
      '--key',
      pemFile(key, secrets, 'key.pem'),
      '--cert',
      pemFile(cert, secrets, 'cert.pem'),
    ];
    const chain = env.MCPB_SIGNING_INTERMEDIATES?.split(delimiter).filter(Boolean) ?? [];
    if (chain.length) args.push('--intermediate', ...chain.map((p) => resolve(p)));
    run(process.execPath, [MCPB_CLI, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  } finally {
    rmSync(secrets, { recursive: true, force: true });
  }
  return true;
}

const WORK_MARK = '.olares-mcpb-work';

/** Empties the work dir, refusing one this script did not make: --work . must not wipe a checkout. */
function freshWorkDir(dir) {
  if (existsSync(dir) && readdirSync(dir).length && !existsSync(join(dir, WORK_MARK)))
    throw new BundleError(
      `${dir} is not empty and was not made by this script. Fix: give --work a new or empty directory`,
    );
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, WORK_MARK), '');
}

function build(out, workDir) {
  const pkg = readJson(join(ROOT, 'package.json'));
  const lock = readJson(join(ROOT, 'package-lock.json'));
  const manifest = readJson(join(ROOT, 'manifest.json'));
  if (manifest.version !== pkg.version)
    throw new BundleError(
      `manifest.json version ${manifest.version} differs from package.json ${pkg.version}`,
    );
  const packages = runtimePackages(pkg, lock);
  freshWorkDir(workDir);
  const bundleDir = join(workDir, 'bundle');
  mkdirSync(bundleDir, { recursive: true });
  run(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--outdir', join(bundleDir, 'dist')], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  cpSync(join(ROOT, 'manifest.json'), join(bundleDir, 'manifest.json'));
  writeBundlePackageJson(pkg, bundleDir);
  installFromRegistry(packages, bundleDir, workDir);
  // mcpb validates the manifest before packing and leaves out source maps and type declarations.
  const report = run(process.execPath, [MCPB_CLI, 'pack', bundleDir, out]);
  const files = Number(/total files:\s*(\d+)/.exec(report)?.[1]);
  const bytes = statSync(out).size;
  if (bytes > MAX_BYTES)
    throw new BundleError(`${relative(ROOT, out)} is ${bytes} bytes, over the ${MAX_BYTES}-byte budget`);
  return { bytes, files };
}

function main() {
  const signOnly = option('--sign-only');
  if (signOnly) {
    if (!signBundle(signOnly)) process.exitCode = 1;
    return;
  }
  const out = option('--out') ?? join(ROOT, 'olares-mcp.mcpb');
  const workDir = option('--work') ?? join(ROOT, '.build-mcpb');
  const { bytes, files } = build(out, workDir);
  const signed = signBundle(out);
  const size = (statSync(out).size / 1024 / 1024).toFixed(2);
  console.log(
    `${relative(process.cwd(), out) || out}: ${size} MiB (${bytes} bytes unsigned), ${files} files${signed ? ', signed' : ''}`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  try {
    main();
  } catch (err) {
    console.error(`mcpb: ${err instanceof BundleError ? err.message : err?.stack || err}`);
    process.exitCode = 1;
  }
}
