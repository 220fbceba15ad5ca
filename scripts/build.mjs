// The shipped server in two CommonJS files: the bin (dist/cli.js) and everything else, which the
// bin runs through V8's code cache (src/codeCache.ts).

import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { builtinModules, createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';

/**
 * zod re-exports its 60-odd message locales as a namespace, so every one of them would be parsed
 * at each start (a quarter of the startup code) although only English, zod's default, is used.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer)
        ? { path: join(dirname(resolve(args.resolveDir, args.path)), 'en.js'), namespace: 'zod-en' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-en' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: dirname(args.path),
    }));
  },
};

/**
 * The SDK constructs Ajv unless given a validator; the server and the demo client always pass
 * src/jsonSchemaLite.ts, so Ajv (about 250 KB parsed at every start) stays out of the bundle. The
 * v2 SDK vendors it in one `ajvProvider-*.mjs` chunk per package, imported only by its Node shim.
 */
const withoutAjv = {
  name: 'without-ajv',
  setup(b) {
    b.onResolve({ filter: /[\\/]ajvProvider-[\w-]+\.mjs$|^\.\/ajvProvider-[\w-]+\.mjs$/ }, (args) => ({
      path: args.path,
      namespace: 'no-ajv',
    }));
    b.onLoad({ filter: /.*/, namespace: 'no-ajv' }, () => ({
      contents:
        "class Missing { constructor() { throw new Error('olares-mcp is built without Ajv: pass jsonSchemaValidator (src/jsonSchemaLite.ts)'); } }\nexport { Missing as n, Missing as r, Missing as t };",
    }));
  },
};

// `--outdir DIR` builds elsewhere, so parallel work never deletes a dist/ another run is using.
const flag = process.argv.indexOf('--outdir');
const outdir = flag > 0 ? process.argv[flag + 1] : 'dist';

await rm(outdir, { recursive: true, force: true });
const shared = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  // Less to parse at a first start (measured by bench/startup.ts); the source map keeps stacks readable.
  minify: true,
  keepNames: true,
  // Native addon: loaded from node_modules at run time.
  external: ['@napi-rs/keyring'],
  plugins: [zodEnglishOnly, withoutAjv],
  define: { 'import.meta.url': '__olaresModuleUrl' },
  banner: { js: "var __olaresModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
};

// Libraries only some paths load (undici: the first request, in idle time after start; ioredis:
// shared state), each a CommonJS file of its own, so a start that never needs them never reads
// them: a first start parses half as much. The server imports them by these file names.
const vendors = {};
for (const name of ['undici', 'ioredis']) {
  const out = await build({
    ...shared,
    entryPoints: { [`vendor-${name}`]: createRequire(import.meta.url).resolve(name) },
    entryNames: '[name]-[hash]',
    outExtension: { '.js': '.cjs' },
    outdir,
    legalComments: 'external',
    metafile: true,
  });
  vendors[name] = `./${basename(Object.keys(out.metafile.outputs).find((f) => f.endsWith('.cjs')))}`;
}
/**
 * A dynamic import() of a module outside the bundle (a vendor file, the keychain addon, a Node
 * built-in) becomes a require() of it: code that V8 restores from the code cache loses the
 * script's dynamic-import callback (Node 20 fails such an import() with
 * ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), and all of these are CommonJS anyway.
 */
const outsideByRequire = {
  name: 'outside-by-require',
  setup(b) {
    const outside = (path) => vendors[path] ?? path;
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.namespace === 'by-require') return { path: args.path, external: true };
      const isOutside =
        args.path in vendors ||
        args.path === '@napi-rs/keyring' ||
        builtinModules.includes(args.path.replace(/^node:/, ''));
      if (!isOutside) return undefined;
      if (args.kind !== 'dynamic-import')
        return args.path in vendors ? { path: outside(args.path), external: true } : undefined;
      return { path: outside(args.path), namespace: 'by-require' };
    });
    b.onLoad({ filter: /.*/, namespace: 'by-require' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

// The whole server as one CommonJS file, which src/codeCache.ts compiles through V8's code cache:
// Node 20 caches no ES module code. Code reached by a dynamic import (the simulator, the login
// page, undici...) is compiled only when first used. The name carries the content hash, which
// keys the cache.
const app = await build({
  ...shared,
  entryPoints: { app: 'src/appEntry.ts' },
  plugins: [...shared.plugins, outsideByRequire],
  entryNames: '[name]-[hash]',
  outExtension: { '.js': '.cjs' },
  outdir,
  // Licence comments (one has a non-ASCII name) go beside it, in app-*.cjs.LEGAL.txt.
  legalComments: 'external',
  metafile: true,
});
const appBundle = Object.keys(app.metafile.outputs).find((f) => f.endsWith('.cjs'));
const appSource = await readFile(appBundle, 'latin1');
// src/codeCache.ts reads it as latin1, which is only right for ASCII (esbuild's default charset).
if (/[^\x00-\x7f]/.test(appSource))
  throw new Error(`${appBundle} is not ASCII: src/codeCache.ts would misread it`);
// An import() would work on a first start and fail on every start from the cache (outsideByRequire).
if (appSource.includes('import(')) throw new Error(`${appBundle} has a dynamic import() outside the bundle`);

// The bin: CommonJS too (dist/package.json says so), so a start sets up no ES module loader.
await build({
  ...shared,
  entryPoints: { cli: 'src/cli.ts' },
  outdir,
  define: { ...shared.define, __OLARES_APP_BUNDLE__: JSON.stringify(`./${basename(appBundle)}`) },
});
await writeFile(`${outdir}/package.json`, `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
await chmod(`${outdir}/cli.js`, 0o755);
