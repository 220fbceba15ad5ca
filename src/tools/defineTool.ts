// Every tool is declared the same way: name, title, description, zod input, output schema,
// explicit annotations, handler. The server registers these; handlers reach the protocol only
// through their ToolContext (progress, confirmations, roots; profile_login's URL elicitation).
import { z } from 'zod';
import type { RawBoxText } from './boxText.js';
import type { ToolContext } from './context.js';

export type Toolset =
  | 'profile'
  | 'files'
  | 'market'
  | 'cluster'
  | 'dashboard'
  | 'doctor'
  | 'workloads'
  | 'settings';

export interface Annotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export interface ToolOutput<T> {
  data: T;
  /** One or two lines for the text block; the JSON follows it. */
  summary: string;
  /** A file's or a log's text, shown fenced and raw in the text block instead of in its JSON. */
  raw?: RawBoxText;
}

type Shape = z.ZodRawShape;
export type Args<I extends Shape> = z.infer<z.ZodObject<I>> & { profile?: string };

export interface ToolDeclaration<I extends Shape = Shape, O extends Shape = Shape> {
  name: string;
  title: string;
  description: string;
  toolset: Toolset;
  input: I;
  output: O;
  annotations: Annotations;
  /** Registered in OLARES_READ_ONLY mode although not read-only (profile_login, _import, _use). */
  allowInReadOnly?: boolean;
  /** What audit.log records for a mutating call (default: the arguments minus `profile`). */
  auditTarget?: (args: Args<I>, ctx: ToolContext) => unknown | Promise<unknown>;
  handler(args: Args<I>, ctx: ToolContext): Promise<ToolOutput<z.infer<z.ZodObject<O>>>>;
}

/**
 * Every mutating tool's result says whether the person at the keyboard confirmed it; the server
 * fills these from the call's confirmations (gate.ts), so handlers cannot forget them.
 */
export const confirmOutput = {
  confirmed: z.boolean().describe('true only when the user said yes (a form or an approval link)'),
  confirmReason: z.string().optional().describe('Why it ran without the user saying yes'),
};

/**
 * Every result of a tool that ran as a profile names it, so an agent juggling profiles sees who
 * acted; the server fills it from the call's context (ctx.ranAs()).
 */
export const ranAsOutput = {
  ranAs: z.string().optional().describe('The olaresId this call ran as'),
};

export function defineTool<I extends Shape, O extends Shape>(
  decl: ToolDeclaration<I, O>,
): ToolDeclaration<I, O> {
  const output = decl.annotations.readOnlyHint
    ? { ...decl.output, ...ranAsOutput }
    : { ...decl.output, ...confirmOutput, ...ranAsOutput };
  return { ...decl, output };
}

export const profileArgSchema = z
  .string()
  .min(1)
  .optional()
  .describe('Run as this profile (name or olaresId)');

/** The zod object the SDK validates arguments against: unknown keys are refused. */
export function inputSchemaOf(decl: ToolDeclaration<any, any>) {
  return z.object({ ...decl.input, profile: profileArgSchema }).strict();
}

/** Shared output fragments. */
export const dryRunOutput = {
  dryRun: z.boolean().describe('true when nothing was changed because dryRun was asked'),
};
