// The toolsets as data (id, description, on by default or not), apart from the tools
// themselves, so choosing what a server serves loads no tool module (catalog.ts).
import type { Toolset } from './defineTool.js';

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
