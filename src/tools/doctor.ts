// doctor tool (design.md sec. 4). Placeholder until issue 3 lands.
import type { ToolDeclaration } from './defineTool.js';

export const doctorTools: ToolDeclaration<any, any>[] = [];
