#!/usr/bin/env node
// Bin entry. No arguments: serve MCP on stdio, which MCP clients do many times a day, so a start
// is made cheap: this file is CommonJS (no ES module loader to set up) and runs the server's one
// bundle through V8's code cache (src/codeCache.ts). The commands themselves are in src/main.ts.
import { fileURLToPath } from 'node:url';
import { runWithCodeCache } from './codeCache.js';

/** The server's bundle (file name with its content hash), set by scripts/build.mjs. */
declare const __OLARES_APP_BUNDLE__: string;

const [command, ...rest] = process.argv.slice(2);
// One cache per way of serving: each start compiles different code. Human commands go uncached.
const cacheName =
  command === undefined || (command === 'serve' && rest.length === 0)
    ? 'stdio'
    : command === 'serve'
      ? 'http'
      : undefined;
runWithCodeCache(fileURLToPath(new URL(__OLARES_APP_BUNDLE__, import.meta.url)), cacheName);
