// `npm run docs` writes what is generated from the code: README's tool table and configuration
// table (between their markers), manifest.json's tool list and the tool catalog
// (src/tools/catalog.ts). `npm run docs -- --check` writes
// nothing and fails when any of them is stale (CI runs it).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VARIABLES } from '../src/config.js';
import { catalogEntryOf } from '../src/tools/listing.js';
import { allTools, TOOLSETS, toolsOf } from '../src/tools/toolsets.js';

const root = join(import.meta.dirname, '..');
const check = process.argv.includes('--check');

function toolTable(): string {
  const rows = TOOLSETS.map((t) => {
    const on = t.alwaysOn ? 'always' : t.defaultOn ? 'default' : 'opt-in';
    const tools = toolsOf(t.id)
      .map((d) => `\`${d.name}\``)
      .join(', ');
    return `| ${t.id} | ${on} | ${t.description} | ${tools} |`;
  });
  return ['| toolset | served | what for | tools |', '|---|---|---|---|', ...rows].join('\n');
}

const cell = (s: string) => s.replaceAll('|', '\\|');

function configTable(): string {
  const rows = VARIABLES.map((v) => {
    const accepts =
      v.kind === 'enum'
        ? (v.values ?? []).map((x) => `\`${x}\``).join(', ')
        : v.kind === 'boolean'
          ? '`1`/`true`/`yes`/`on`, `0`/`false`/`no`/`off`'
          : v.kind;
    return `| \`${v.name}\` | ${cell(v.description)} | ${cell(accepts)} | ${cell(v.default)} |`;
  });
  return ['| variable | meaning | accepts | default |', '|---|---|---|---|', ...rows].join('\n');
}

function replaceBetween(text: string, marker: string, body: string, file: string): string {
  const start = `<!-- ${marker}:start (npm run docs) -->`;
  const end = `<!-- ${marker}:end -->`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${file} has no ${start} ... ${end} markers`);
  return `${text.slice(0, a + start.length)}\n${body}\n${text.slice(b)}`;
}

const stale: string[] = [];
function write(file: string, next: string) {
  const path = join(root, file);
  if (readFileSync(path, 'utf8') === next) return;
  stale.push(file);
  if (!check) writeFileSync(path, next);
}

let readme = readFileSync(join(root, 'README.md'), 'utf8');
readme = replaceBetween(readme, 'tools', toolTable(), 'README.md');
readme = replaceBetween(readme, 'config', configTable(), 'README.md');
write('README.md', readme);

const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8'));
manifest.tools = TOOLSETS.flatMap((t) => toolsOf(t.id)).map((d) => ({
  name: d.name,
  description: d.description,
}));
write('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`);

write('src/tools/catalog.json', `${JSON.stringify(allTools.map(catalogEntryOf), null, 2)}\n`);

if (check && stale.length) {
  process.stderr.write(`docs are stale: ${stale.join(', ')}. Fix: npm run docs, and commit the result\n`);
  process.exit(1);
}
process.stdout.write(stale.length ? `docs: wrote ${stale.join(', ')}\n` : 'docs: up to date\n');
