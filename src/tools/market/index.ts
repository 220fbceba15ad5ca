// market tools (docs/architecture.md#tool-surface, docs/wire/market.md), one file per verb group: reads, install,
// lifecycle operations, and the watch that `wait: true` runs.
import type { ToolDeclaration } from '../defineTool.js';
import { marketInstall } from './install.js';
import { lifecycleTool, marketUninstall } from './lifecycle.js';
import { marketGet, marketList, marketStatus } from './read.js';

export { marketInstall } from './install.js';
export { marketUninstall } from './lifecycle.js';
export { marketGet, marketList, marketStatus } from './read.js';
export { newerThan } from './watch.js';

export const marketTools: ToolDeclaration<any, any>[] = [
  marketList,
  marketGet,
  marketStatus,
  marketInstall,
  marketUninstall,
  lifecycleTool('upgrade', 'Upgrade', 'Upgrade a market app to a newer catalog version.', false),
  // Stopping and restarting interrupt an app the user may be using: confirmed like deletes.
  lifecycleTool('stop', 'Stop', 'Suspend a running market app; its data stays.', true),
  lifecycleTool('resume', 'Resume', 'Start a stopped market app again.', false),
  lifecycleTool('restart', 'Restart', 'Stop then resume a market app (Olares 1.12.6+).', true),
  lifecycleTool('cancel', 'Cancel', 'Cancel an install or upgrade in progress.', true),
];
