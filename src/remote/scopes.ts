// What a token's scopes allow: `olares.read` calls only the tools whose annotations say
// readOnlyHint, `olares.write` calls every tool. The tool list comes from the caller as plain
// {name, readOnly} pairs, so this layer does not depend on src/tools; a read-only token calling
// a name it was not told about is refused (fail closed).
import { InsufficientScopeError } from './errors.js';

export const SCOPES = { read: 'olares.read', write: 'olares.write' } as const;
export const SCOPES_SUPPORTED: readonly string[] = [SCOPES.read, SCOPES.write];

export interface ToolAccess {
  name: string;
  readOnly: boolean;
}

/** Whether the scopes reach any tool at all (a token with neither is refused at the door). */
export function hasOlaresScope(scopes: readonly string[]): boolean {
  return scopes.includes(SCOPES.read) || scopes.includes(SCOPES.write);
}

/** olares.write reaches every tool (an unknown name is then the server's own "no such tool"). */
export function mayCall(scopes: readonly string[], tool: ToolAccess | undefined): boolean {
  if (scopes.includes(SCOPES.write)) return true;
  return tool?.readOnly === true && scopes.includes(SCOPES.read);
}

/** The tools to list for a principal: the ones it may call. */
export function visibleTools<T extends ToolAccess>(scopes: readonly string[], tools: readonly T[]): T[] {
  return tools.filter((tool) => mayCall(scopes, tool));
}

/** The scope a refused call needs: write for a changing tool, read otherwise. */
export function neededScope(tool: ToolAccess | undefined): string {
  return tool?.readOnly ? SCOPES.read : SCOPES.write;
}

/**
 * Throws InsufficientScopeError unless the scopes allow calling `name`. `tools` is the served
 * list: an unknown name needs olares.write, so a read-only token learns nothing about it.
 */
export function assertMayCall(scopes: readonly string[], name: string, tools: readonly ToolAccess[]): void {
  const tool = tools.find((t) => t.name === name);
  if (!mayCall(scopes, tool)) throw new InsufficientScopeError(neededScope(tool));
}
