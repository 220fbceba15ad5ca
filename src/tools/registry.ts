// Which tools a server process serves: OLARES_TOOLSETS picks toolsets (toolsets.ts declares
// them), OLARES_READ_ONLY keeps the read-only tools.
import { type Config, ConfigError } from '../config.js';
import { CATALOG, type CatalogEntry } from './catalog.js';
import type { Toolset } from './defineTool.js';
import { TOOLSETS } from './toolsetSpecs.js';

function parseToolsets(value: string | undefined): Set<Toolset> {
  const picked = new Set<Toolset>(TOOLSETS.filter((t) => t.alwaysOn).map((t) => t.id));
  const names = (value ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (names.length === 0) {
    for (const t of TOOLSETS) if (t.defaultOn) picked.add(t.id);
    return picked;
  }
  for (const name of names) {
    if (name === 'all') {
      for (const t of TOOLSETS) picked.add(t.id);
      continue;
    }
    const spec = TOOLSETS.find((t) => t.id === name);
    if (!spec)
      throw new ConfigError(
        `OLARES_TOOLSETS names an unknown toolset "${name}"; valid: all, ${TOOLSETS.map((t) => t.id).join(', ')}`,
      );
    picked.add(spec.id);
  }
  return picked;
}

export function selectTools(config: Config): CatalogEntry[] {
  const toolsets = parseToolsets(config.toolsets);
  const { readOnly } = config;
  return CATALOG.filter(
    (t) => toolsets.has(t.toolset) && (!readOnly || t.annotations.readOnlyHint || t.allowInReadOnly),
  );
}
