// One ESM bundle for the shipped server; heavy pieces stay in their own chunks so that
// `olares-mcp` (serve) starts without loading the simulator, the login page or the keychain.

import { chmod, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
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
await build({
  entryPoints: { cli: 'src/cli.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  // Less to parse at every start (measured by bench/startup.ts); the source map keeps stacks readable.
  minify: true,
  keepNames: true,
  // Native addon: loaded from node_modules at run time.
  external: ['@napi-rs/keyring'],
  plugins: [zodEnglishOnly, withoutAjv],
  banner: {
    js: "import { createRequire as __olaresCreateRequire } from 'node:module'; const require = __olaresCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
await chmod(`${outdir}/cli.js`, 0o755);
