// One ESM bundle for the shipped server; heavy pieces stay in their own chunks so that
// `olares-mcp` (serve) starts without loading the simulator, the login page or the keychain.

import { chmod, rm } from 'node:fs/promises';
import { build } from 'esbuild';

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
  banner: {
    js: "import { createRequire as __olaresCreateRequire } from 'node:module'; const require = __olaresCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
await chmod(`${outdir}/cli.js`, 0o755);
