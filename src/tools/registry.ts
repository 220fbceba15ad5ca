// All tools, grouped in toolsets; OLARES_TOOLSETS and OLARES_READ_ONLY choose what is served.
import { loadConfig } from '../config.js';
import { clusterTools } from './cluster.js';
import { dashboardTools } from './dashboard.js';
import { BUSINESS_TOOLSETS, type ToolDeclaration, type Toolset } from './defineTool.js';
import { doctorTools } from './doctor.js';
import { filesTools } from './files.js';
import { marketTools } from './market.js';
import { profileTools } from './profile.js';

export const allTools: ToolDeclaration<any, any>[] = [
  ...profileTools,
  ...doctorTools,
  ...filesTools,
  ...marketTools,
  ...clusterTools,
  ...dashboardTools,
];

export class ToolsetError extends Error {}

export function parseToolsets(value: string | undefined): Set<Toolset> {
  const raw = (value ?? '').trim();
  const picked = new Set<Toolset>(['profile', 'doctor']);
  if (!raw || raw === 'all') {
    for (const t of BUSINESS_TOOLSETS) picked.add(t);
    return picked;
  }
  for (const name of raw
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)) {
    if (name === 'all') for (const t of BUSINESS_TOOLSETS) picked.add(t);
    else if (
      name === 'profile' ||
      name === 'doctor' ||
      (BUSINESS_TOOLSETS as readonly string[]).includes(name)
    )
      picked.add(name as Toolset);
    else
      throw new ToolsetError(
        `OLARES_TOOLSETS names an unknown toolset "${name}"; valid: ${['all', 'profile', ...BUSINESS_TOOLSETS].join(', ')}`,
      );
  }
  return picked;
}

export function selectTools(env: NodeJS.ProcessEnv): ToolDeclaration<any, any>[] {
  const toolsets = parseToolsets(env.OLARES_TOOLSETS);
  const { readOnly } = loadConfig(env);
  return allTools.filter(
    (t) => toolsets.has(t.toolset) && (!readOnly || t.annotations.readOnlyHint || t.allowInReadOnly),
  );
}
