// The floors of src/ (README "How the code is laid out", CONTRIBUTING "Where things live"):
// tools -> olares -> transport -> auth -> net, each importing only from its own floor or below;
// config.ts (with configVariables.ts), errors.ts and log.ts are the base anyone may import, and they import only each other.
// src/remote (the serving layer of serve --http) sits beside tools and reaches only auth, net and base.
// An upward import, static, type-only or dynamic, fails this test.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');

/** Higher floors may import lower ones. The entry points (cli, server, commands) sit on top. */
const FLOORS: Record<string, number> = {
  base: 0,
  net: 1,
  auth: 2,
  transport: 3,
  olares: 4,
  tools: 5,
  /** Beside the tools, below the entry points: only app code may import it. */
  remote: 5.5,
  app: 6,
};
/** Floors that may reach only some floors below them (not every lower one). */
const ONLY: Record<string, string[]> = { remote: ['base', 'net', 'auth', 'remote'] };
const BASE_FILES = new Set(['config.ts', 'configVariables.ts', 'errors.ts', 'log.ts']);

function floorOf(srcRelative: string): string {
  const [top, ...rest] = srcRelative.split('/');
  if (rest.length === 0) return BASE_FILES.has(top) ? 'base' : 'app';
  if (top === 'commands') return 'app';
  if (!(top in FLOORS))
    throw new Error(`src/${top}/ is on no floor: add it to FLOORS in test/floors.test.ts`);
  return top;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return name.endsWith('.ts') ? [p] : [];
  });
}

/** Every upward import in `files` (path -> text), as "from -> to (floor -> floor)". */
function upwardImports(files: Map<string, string>): string[] {
  const violations: string[] = [];
  for (const [file, text] of files) {
    const from = floorOf(relative(SRC, file));
    for (const { fileName: spec } of ts.preProcessFile(text, true, true).importedFiles) {
      if (!spec.startsWith('.')) continue;
      const target = relative(SRC, resolve(dirname(file), spec)).replace(/\.js$/, '.ts');
      if (target.startsWith('..')) {
        // Only the entry points may reach the simulator (sim, demo) or package.json (the version).
        if (from !== 'app') violations.push(`${relative(SRC, file)} -> ${spec} (outside src/)`);
        continue;
      }
      const to = floorOf(target);
      const allowed =
        from === 'base' ? to === 'base' : (ONLY[from]?.includes(to) ?? FLOORS[to] <= FLOORS[from]);
      if (!allowed) violations.push(`${relative(SRC, file)} -> ${target} (${from} imports ${to})`);
    }
  }
  return violations;
}

describe('floors', () => {
  it('no module in src/ imports from a floor above its own', () => {
    const files = new Map(sourceFiles(SRC).map((f) => [f, readFileSync(f, 'utf8')]));
    expect(files.size).toBeGreaterThan(40);
    expect(upwardImports(files)).toEqual([]);
  });

  it('catches an upward import of each kind (the check itself can fail)', () => {
    const planted = new Map([
      [join(SRC, 'auth', 'x.ts'), "import { OlaresHttp } from '../transport/http.js';"],
      [join(SRC, 'net', 'x.ts'), "import type { Session } from '../auth/index.js';"],
      [join(SRC, 'olares', 'x.ts'), "const t = await import('../tools/errors.js');"],
      [join(SRC, 'errors.ts'), "export { log } from './auth/index.js';"],
      [join(SRC, 'transport', 'x.ts'), "import { sim } from '../../sim/server.js';"],
      [
        join(SRC, 'tools', 'x.ts'),
        "import { loadConfig } from '../config.js';\nimport { x } from '../net/http.js';",
      ],
      [join(SRC, 'remote', 'x.ts'), "import { z } from '../tools/registry.js';"],
      [join(SRC, 'tools', 'y.ts'), "import { SCOPES } from '../remote/scopes.js';"],
      [
        join(SRC, 'remote', 'y.ts'),
        "import { log } from '../log.js';\nimport { Session } from '../auth/index.js';",
      ],
    ]);
    expect(upwardImports(planted)).toEqual([
      'auth/x.ts -> transport/http.ts (auth imports transport)',
      'net/x.ts -> auth/index.ts (net imports auth)',
      'olares/x.ts -> tools/errors.ts (olares imports tools)',
      'errors.ts -> auth/index.ts (base imports auth)',
      'transport/x.ts -> ../../sim/server.js (outside src/)',
      'remote/x.ts -> tools/registry.ts (remote imports tools)',
      'tools/y.ts -> remote/scopes.ts (tools imports remote)',
    ]);
  });
});
