// Runs the server's CommonJS bundle through V8's code cache, so that every start of the stdio
// server after the first skips parsing and compiling it (about a third of a start, measured by
// bench/startup.ts). Node 20 has neither a module compile cache (module.enableCompileCache came in
// Node 22) nor a code cache for ES modules, hence one CommonJS bundle (scripts/build.mjs),
// compiled here with vm.Script.
//
// The cache holds compiled code that this process will run, so it is read only from a directory
// and a file that belong to the user running the server and that nobody else can write, and it is
// keyed by the bundle's content hash (in its file name), size and mtime, the Node version and the
// CPU: V8 itself refuses data made by another V8 or under other flags, but it checks only the
// source's length, not its text.
import {
  closeSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { constants, Script } from 'node:vm';
import { log } from './log.js';

/** The user's cache directory for olares-mcp, or undefined when caching is off or has no home. */
export function codeCacheDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string | undefined {
  // Node's own switch for its compile cache turns this one off too.
  if (env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  if (platform === 'win32')
    return env.LOCALAPPDATA ? join(env.LOCALAPPDATA, 'olares-mcp', 'Cache') : undefined;
  if (!home) return undefined;
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'olares-mcp');
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(home, '.cache'), 'olares-mcp');
}

/** Owned by this user and writable by nobody else (POSIX); Windows profiles are per-user already. */
function isOwnPrivate(path: string, kind: 'dir' | 'file'): boolean {
  try {
    const st = lstatSync(path);
    if (kind === 'dir' ? !st.isDirectory() : !st.isFile()) return false;
    if (process.platform === 'win32' || !process.getuid) return true;
    return st.uid === process.getuid() && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

function readTrusted(file: string): Buffer | undefined {
  if (!isOwnPrivate(dirname(file), 'dir') || !isOwnPrivate(file, 'file')) {
    log.debug(`code cache: none usable at ${file} (missing, or not private to this user)`);
    return undefined;
  }
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

function save(script: Script, file: string) {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    if (!isOwnPrivate(dirname(file), 'dir')) {
      log.debug(`code cache: not written, ${dirname(file)} is not private to this user`);
      return;
    }
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, script.createCachedData(), { mode: 0o600 });
    renameSync(temp, file);
    log.debug(`code cache: written to ${file}`);
    forgetOldCaches(dirname(file), basename(file));
  } catch {
    // A cache that cannot be written only costs the next start its compile time.
  }
}

/** Caches of other builds or Node versions go after a week, so upgrades leave no pile behind. */
const STALE_AFTER_MS = 7 * 24 * 3600 * 1000;

function forgetOldCaches(dir: string, keep: string) {
  for (const name of readdirSync(dir)) {
    if (name === keep || !/\.v8(\.\d+\.tmp)?$/.test(name)) continue;
    const path = join(dir, name);
    if (Date.now() - lstatSync(path).mtimeMs > STALE_AFTER_MS) unlinkSync(path);
  }
}

/**
 * Built-ins that answering initialize and tools/list never uses, loaded when first used instead:
 * requiring them all up front costs a start about 5 ms (bench/startup.ts). The bundle reads an
 * external module's members only where it uses them, so a stand-in that requires the real module
 * on first read keeps every member working.
 */
const LAZY_BUILTINS = /^(node:)?(crypto|http|https|child_process|net|tls)$/;

function lazyBuiltinsRequire(require: NodeJS.Require): NodeJS.Require {
  const standIns = new Map<string, object>();
  const lazyRequire = (id: string) => {
    if (!LAZY_BUILTINS.test(id)) return require(id);
    let standIn = standIns.get(id);
    if (!standIn) {
      let real: Record<PropertyKey, unknown> | undefined;
      const load = () => (real ??= require(id));
      standIn = new Proxy(
        {},
        {
          get: (_, key) => load()[key],
          has: (_, key) => key in load(),
          ownKeys: () => Reflect.ownKeys(load()),
          getOwnPropertyDescriptor: (_, key) => {
            const found = Reflect.getOwnPropertyDescriptor(load(), key);
            return found && { ...found, configurable: true };
          },
        },
      );
      standIns.set(id, standIn);
    }
    return standIn;
  };
  return Object.assign(lazyRequire, {
    resolve: require.resolve,
    cache: require.cache,
    extensions: require.extensions,
    main: require.main,
  }) as NodeJS.Require;
}

// On a line of its own so that the bundle's lines keep their numbers (lineOffset -1) for stack
// traces and its source map.
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) {\n';

/**
 * Runs the CommonJS bundle at `bundlePath` as Node would run it with `require`, compiled from the
 * code cache named `cacheName` when there is a valid one; when there is none, one is written a
 * moment after start (or at exit, if sooner), once the server has compiled what answering its
 * first requests needs. No name, no cache.
 */
export function runWithCodeCache(
  bundlePath: string,
  cacheName: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const fd = openSync(bundlePath, 'r');
  let source: string;
  let key: string;
  try {
    const st = fstatSync(fd);
    // The build writes ASCII only (scripts/build.mjs checks), which latin1 reads fastest.
    source = readFileSync(fd, 'latin1');
    key = `${basename(bundlePath)}-${cacheName}-${st.size}-${Math.trunc(st.mtimeMs)}-${process.version}-${process.arch}.v8`;
  } finally {
    closeSync(fd);
  }
  const dir = cacheName ? codeCacheDir(env) : undefined;
  const cacheFile = dir ? join(dir, key) : undefined;
  const cachedData = cacheFile ? readTrusted(cacheFile) : undefined;
  const script = new Script(`${WRAPPER_HEAD}${source}\n})`, {
    filename: bundlePath,
    lineOffset: -1,
    cachedData,
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const module = { exports: {} };
  const require = lazyBuiltinsRequire(createRequire(bundlePath));
  script.runInThisContext()(module.exports, require, module, bundlePath, dirname(bundlePath));
  if (cachedData) log.debug(`code cache: ${script.cachedDataRejected ? 'rejected by V8' : 'used'}`);
  if (!cacheFile || (cachedData && !script.cachedDataRejected)) return;
  let saved = false;
  const saveOnce = () => {
    if (saved) return;
    saved = true;
    save(script, cacheFile);
  };
  setTimeout(saveOnce, 250).unref();
  process.once('exit', saveOnce);
}
