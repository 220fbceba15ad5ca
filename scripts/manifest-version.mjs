// Run by `npm version` (the "version" lifecycle script): manifest.json takes package.json's new
// version, so the desktop bundle, the npm package and server.json name one release.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const file = join(root, 'manifest.json');
const text = readFileSync(file, 'utf8');
// The first "version" key is the manifest's own; rewriting only it keeps the file's layout.
const updated = text.replace(/"version":\s*"[^"]*"/, `"version": ${JSON.stringify(version)}`);
if (JSON.parse(updated).version !== version)
  throw new Error('manifest.json has no top-level "version" to update');
writeFileSync(file, updated);
console.log(`manifest.json version ${version}`);
