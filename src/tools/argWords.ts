// One wording per common argument, shown in tools/list wherever a tool declares that argument
// without words of its own: the same name means the same thing in every tool, and a parameter
// is never listed bare. A tool's own description wins (it says what is special there).
export const ARG_WORDS: Readonly<Record<string, string>> = {
  profile: 'Profile',
  path: 'e.g. drive/Home/a.txt',
  remotePath: 'Remote path',
  paths: 'Remote paths',
  sources: 'Remote paths',
  ids: 'Share ids',
  type: 'Who may open it',
  limit: 'Page size',
  page: '1-based',
  dryRun: 'Plan only',
  wait: 'Poll until done',
  app: 'Market app',
  deleteData: "Also delete the app's data",
  namespace: 'Namespace',
  pod: 'Pod name',
  gracePeriodSeconds: 'Seconds to stop cleanly',
  labelSelector: 'e.g. app=web,tier!=db',
};

/**
 * Bounds that tell an agent nothing: a non-empty string or list, a count from 0 or 1, string
 * lengths, and ceilings far above any real use (tail 10000, a 10-year expiry, 200 paths). The zod
 * check still applies every one of them, and a call past one is refused with the limit named.
 */
const SILENT_BOUNDS: ReadonlyArray<[string, (v: unknown) => boolean]> = [
  ['minLength', () => true],
  ['maxLength', () => true],
  ['minItems', (v) => v === 1],
  ['maxItems', () => true],
  ['minimum', (v) => v === 0 || v === 1],
  ['maximum', () => true],
];

/** Describes bare common arguments and drops silent bounds, in a listed input schema. */
export function compactInputSchema(schema: any) {
  for (const [name, p] of Object.entries<any>(schema?.properties ?? {})) {
    if (!p || typeof p !== 'object') continue;
    if (name === 'profile') schema.properties.profile = { type: 'string', description: ARG_WORDS.profile };
    else if (!p.description && ARG_WORDS[name]) p.description = ARG_WORDS[name];
    for (const target of [p, p.items]) {
      if (!target || typeof target !== 'object') continue;
      for (const [key, silent] of SILENT_BOUNDS) if (key in target && silent(target[key])) delete target[key];
      if (target.minimum === Number.MIN_SAFE_INTEGER) delete target.minimum;
    }
    // A record's keys are strings by definition.
    if (p.propertyNames?.type === 'string' && Object.keys(p.propertyNames).length === 1)
      delete p.propertyNames;
  }
}
