// The tool surface, declared once: each toolset is data (id, description, on by default or not),
// and its tools are the declarations that name it. The registry, README's tool table, the MCPB
// manifest's tool list and the tool-surface benchmark all read this (scripts/docs.ts writes the
// generated parts; CI fails when they are stale).
import { clusterTools } from './cluster/index.js';
import { dashboardTools } from './dashboard.js';
import type { ToolDeclaration, Toolset } from './defineTool.js';
import { doctorTools } from './doctor.js';
import { filesTools } from './files/index.js';
import { marketTools } from './market/index.js';
import { profileTools } from './profile.js';
import { settingsTools } from './settings.js';
import { workloadsTools } from './workloads/index.js';

export { TOOLSETS, type ToolsetSpec } from './toolsetSpecs.js';

export const allTools: readonly ToolDeclaration<any, any>[] = [
  ...profileTools,
  ...doctorTools,
  ...filesTools,
  ...marketTools,
  ...clusterTools,
  ...dashboardTools,
  ...workloadsTools,
  ...settingsTools,
];

export const toolsOf = (id: Toolset) => allTools.filter((t) => t.toolset === id);
