// files tools (design.md sec. 4). Placeholder until its issue lands.
import type { ToolDeclaration } from './defineTool.js';

export const filesTools: ToolDeclaration<any, any>[] = [];
