// Renders a Helm chart whose templates keep to a tiny subset of Go templates, so CI can check
// the objects without a helm binary: `{{ .Values.a.b }}`, `{{ .Release.Name }}` (and
// .Namespace), `quote` (as `{{ quote X }}` or `{{ X | quote }}`), `{{ if X }}` ... `{{ end }}`,
// and the `{{-`/`-}}` whitespace trims. Anything else, and any value a template prints that the
// values do not define, is an error naming the file and line: what helm would print as
// "<no value>" stops here.
//
//   node --import tsx scripts/render-chart.ts deploy/olares [extra-values.yaml ...]
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseYaml, type Yaml } from './yaml-lite.js';

export interface RenderContext {
  Values: Yaml;
  Release: { Name: string; Namespace: string };
}

export class TemplateError extends Error {}

const ACTION = /\{\{(-?)\s*(.*?)\s*(-?)\}\}/gs;

type Action =
  | { kind: 'if'; path: string }
  | { kind: 'end' }
  | { kind: 'print'; path: string; quote: boolean };

const PATH = /^\.(Values|Release)((?:\.[A-Za-z_][\w-]*)*)$/;

/** The one action an expression may be; anything else is outside the subset. */
function parseAction(expr: string, where: string): Action {
  if (expr === 'end') return { kind: 'end' };
  const condition = /^if\s+(\S+)$/.exec(expr);
  const piped = /^(\S+)\s*\|\s*quote$/.exec(expr);
  const prefixed = /^quote\s+(\S+)$/.exec(expr);
  const path = condition?.[1] ?? piped?.[1] ?? prefixed?.[1] ?? expr;
  if (!PATH.test(path))
    throw new TemplateError(
      `${where}: "{{ ${expr} }}" is outside the subset (.Values.x, .Release.x, quote, if, end)`,
    );
  if (condition) return { kind: 'if', path };
  return { kind: 'print', path, quote: !!(piped || prefixed) };
}

function lookup(path: string, ctx: RenderContext): Yaml | undefined {
  const [, root, rest] = PATH.exec(path) as RegExpExecArray;
  let node: unknown = root === 'Values' ? ctx.Values : ctx.Release;
  for (const key of rest.split('.').slice(1)) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node as Yaml | undefined;
}

/** Go template truth: false, 0, "", nil and empty lists and maps are false. */
function truthy(value: Yaml | undefined): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

function printed(action: { path: string; quote: boolean }, ctx: RenderContext, where: string): string {
  const value = lookup(action.path, ctx);
  if (value === undefined || value === null)
    throw new TemplateError(
      `${where}: ${action.path} is not set. Fix: give it a value (values.yaml or an extra values file)`,
    );
  if (typeof value === 'object')
    throw new TemplateError(`${where}: ${action.path} is a map or list, not a scalar`);
  return action.quote ? JSON.stringify(String(value)) : String(value);
}

const lineOf = (text: string, index: number) => text.slice(0, index).split('\n').length;

/** Renders one template text. */
export function renderTemplate(text: string, ctx: RenderContext, file: string): string {
  let out = '';
  let last = 0;
  const skipping: boolean[] = [];
  const active = () => skipping.every((s) => !s);
  for (const match of text.matchAll(ACTION)) {
    const [whole, trimLeft, expr, trimRight] = match;
    const where = `${file}:${lineOf(text, match.index)}`;
    const action = parseAction(expr, where);
    const literal = text.slice(last, match.index);
    if (active()) out += trimLeft ? literal.replace(/\s+$/, '') : literal;
    last = match.index + whole.length;
    if (trimRight) while (last < text.length && /\s/.test(text[last])) last += 1;
    if (action.kind === 'if') skipping.push(!truthy(lookup(action.path, ctx)));
    else if (action.kind === 'end') {
      if (!skipping.length) throw new TemplateError(`${where}: {{ end }} without {{ if }}`);
      skipping.pop();
    } else if (active()) out += printed(action, ctx, where);
  }
  if (skipping.length) throw new TemplateError(`${file}: {{ if }} without {{ end }}`);
  return out + text.slice(last);
}

const isMap = (v: unknown): v is { [key: string]: Yaml } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Helm's merge of values files: maps merge key by key, anything else is replaced. */
export function mergeValues(base: Yaml, over: Yaml): Yaml {
  if (!isMap(base) || !isMap(over)) return over === undefined ? base : over;
  const out: { [key: string]: Yaml } = { ...base };
  for (const [key, value] of Object.entries(over))
    out[key] = key in out ? mergeValues(out[key], value) : value;
  return out;
}

export interface RenderedTemplate {
  file: string;
  text: string;
}

/** Every templates/*.yaml of the chart, rendered with values.yaml merged with `extra` (in order). */
export function renderChart(
  chartDir: string,
  extra: Yaml[] = [],
  release = { Name: 'olares-mcp', Namespace: 'default' },
): RenderedTemplate[] {
  const defaults = parseYaml(readFileSync(join(chartDir, 'values.yaml'), 'utf8'));
  const ctx: RenderContext = { Values: extra.reduce(mergeValues, defaults), Release: release };
  const dir = join(chartDir, 'templates');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => ({
      file: `templates/${name}`,
      text: renderTemplate(readFileSync(join(dir, name), 'utf8'), ctx, `templates/${name}`),
    }));
}

if (process.argv[1] && basename(process.argv[1]) === 'render-chart.ts') {
  const [chartDir, ...valueFiles] = process.argv.slice(2);
  if (!chartDir) {
    process.stderr.write('usage: node --import tsx scripts/render-chart.ts CHART_DIR [VALUES.yaml ...]\n');
    process.exit(2);
  }
  const extra = valueFiles.map((f) => parseYaml(readFileSync(f, 'utf8')));
  for (const t of renderChart(chartDir, extra))
    process.stdout.write(`---\n# Source: ${t.file}\n${t.text.trim()}\n`);
}
