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

export interface ToolsetSpec {
  id: Toolset;
  description: string;
  /** Served when OLARES_TOOLSETS is unset. */
  defaultOn: boolean;
  /** Served whatever OLARES_TOOLSETS says (profile and doctor: without them nothing works). */
  alwaysOn?: boolean;
}

export const TOOLSETS: readonly ToolsetSpec[] = [
  { id: 'profile', description: 'Profiles, login and import', defaultOn: true, alwaysOn: true },
  {
    id: 'doctor',
    description: 'Health check of credentials, state and reachability',
    defaultOn: true,
    alwaysOn: true,
  },
  { id: 'files', description: 'Files on the box: list, read, transfer, change, share', defaultOn: true },
  { id: 'market', description: 'Market apps: browse, install and manage', defaultOn: true },
  {
    id: 'cluster',
    description: 'Pods, logs, events, nodes, namespaces, app spaces and workloads',
    defaultOn: true,
  },
  { id: 'dashboard', description: 'Load and health of the box', defaultOn: true },
  {
    id: 'workloads',
    description: 'Workloads, jobs and cronjobs: inspect, scale, restart, rerun; identity; objects as YAML',
    defaultOn: false,
  },
  {
    id: 'settings',
    description: 'Me, users, entrances and domains of market apps, backups',
    defaultOn: false,
  },
];

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
