// Block-style YAML for a JSON value (what `olares-cli ... yaml` prints): strings that could read
// as another type, or hold YAML syntax, are double-quoted as JSON strings, which YAML accepts.
const PLAIN = /^[A-Za-z_/][\w./:@+-]*( [\w./:@+()-]+)*$/;
const AMBIGUOUS = /^(true|false|yes|no|on|off|y|n|null|~)$|: |:$/i;

function scalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return PLAIN.test(v) && !AMBIGUOUS.test(v) ? v : JSON.stringify(v);
  if (Array.isArray(v)) return '[]';
  if (typeof v === 'object') return '{}';
  return String(v);
}

const nested = (v: unknown) =>
  !!v && typeof v === 'object' && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0);

function block(v: unknown, pad: string): string[] {
  if (Array.isArray(v))
    return v.flatMap((item) => {
      if (!nested(item)) return [`${pad}- ${scalar(item)}`];
      const inner = block(item, `${pad}  `);
      return [`${pad}- ${inner[0].slice(pad.length + 2)}`, ...inner.slice(1)];
    });
  return Object.entries(v as Record<string, unknown>)
    .filter(([, val]) => val !== undefined)
    .flatMap(([k, val]) =>
      nested(val)
        ? [`${pad}${scalar(k)}:`, ...block(val, `${pad}  `)]
        : [`${pad}${scalar(k)}: ${scalar(val)}`],
    );
}

export function toYaml(value: unknown): string {
  return nested(value) ? `${block(value, '').join('\n')}\n` : `${scalar(value)}\n`;
}
