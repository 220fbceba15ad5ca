// The MCP tool annotations, as named presets: a tool says what kind of change it makes in one
// word, and every tool of a kind declares exactly the same hints (no per-file copies drifting).
import type { Annotations } from './defineTool.js';

/** Reads the box; changes nothing. */
export const READ: Annotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: true,
};
/** Reads local state only (no network). */
export const READ_LOCAL: Annotations = { ...READ, openWorldHint: false };
/** Changes the box; nothing is lost, but repeating it changes it again. */
export const MUTATE: Annotations = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
  openWorldHint: true,
};
/** Changes the box; repeating it changes nothing more. */
export const MUTATE_IDEMPOTENT: Annotations = { ...MUTATE, idempotentHint: true };
/** Changes local state only; repeating it changes nothing more. */
export const MUTATE_LOCAL_IDEMPOTENT: Annotations = { ...MUTATE_IDEMPOTENT, openWorldHint: false };
/** Removes or interrupts something on the box. */
export const DESTRUCTIVE: Annotations = { ...MUTATE, destructiveHint: true };
/** Removes or interrupts something on the box; repeating it changes nothing more. */
export const DESTRUCTIVE_IDEMPOTENT: Annotations = { ...DESTRUCTIVE, idempotentHint: true };
/** Removes local state (no network). */
export const DESTRUCTIVE_LOCAL: Annotations = { ...DESTRUCTIVE, openWorldHint: false };
