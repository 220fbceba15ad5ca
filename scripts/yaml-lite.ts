// A YAML reader for the subset our chart and its rendered objects use, because no YAML package
// is a dependency here: block maps and sequences (including `- key: value` items), plain,
// single- and double-quoted scalars, numbers, booleans, null, `{}`/`[]` and one-line flow lists,
// comments, and `---` between documents. Anything else (anchors, block scalars, tags, multi-line
// flow) is an error naming the line, so a chart that drifts out of the subset fails loudly
// instead of being read wrong.
export type Yaml = null | boolean | number | string | Yaml[] | { [key: string]: Yaml };

interface Line {
  indent: number;
  text: string;
  number: number;
}

export class YamlError extends Error {}

/** The line without its comment: a `#` at the start or after a space, outside quotes. */
function stripComment(raw: string): string {
  let quote: string | undefined;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (quote) {
      if (c === quote && !(quote === '"' && raw[i - 1] === '\\')) quote = undefined;
    } else if (c === '"' || c === "'") {
      if (i === 0 || /[\s:[{,-]/.test(raw[i - 1])) quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(raw[i - 1]))) return raw.slice(0, i);
  }
  return raw;
}

function toLines(doc: string, firstLine: number): Line[] {
  const lines: Line[] = [];
  doc.split('\n').forEach((raw, i) => {
    const text = stripComment(raw).trimEnd();
    if (!text.trim()) return;
    if (/^\s*\t/.test(text)) throw new YamlError(`line ${firstLine + i}: tab indentation`);
    const indent = text.length - text.trimStart().length;
    lines.push({ indent, text: text.trimStart(), number: firstLine + i });
  });
  return lines;
}

const UNSUPPORTED = /^([&*!|>%@`]|\{.+\}$)/;

function scalar(value: string, line: number): Yaml {
  const v = value.trim();
  if (v.startsWith('"')) {
    if (!v.endsWith('"') || v.length < 2) throw new YamlError(`line ${line}: unterminated "string"`);
    return JSON.parse(v);
  }
  if (v.startsWith("'")) {
    if (!v.endsWith("'") || v.length < 2) throw new YamlError(`line ${line}: unterminated 'string'`);
    return v.slice(1, -1).replaceAll("''", "'");
  }
  if (v === '{}') return {};
  if (v === '[]') return [];
  if (v.startsWith('[')) {
    if (!v.endsWith(']')) throw new YamlError(`line ${line}: multi-line flow lists are not supported`);
    return v
      .slice(1, -1)
      .split(',')
      .map((item) => scalar(item, line));
  }
  if (UNSUPPORTED.test(v)) throw new YamlError(`line ${line}: "${v}" is outside the supported YAML subset`);
  if (v === 'null' || v === '~') return null;
  if (v === 'true' || v === 'false') return v === 'true';
  if (/^[-+]?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/.test(v)) return Number(v);
  return v;
}

/** `key: rest` split at the first `:` that ends the key (followed by a space or the line end). */
function splitEntry(text: string, line: number): [string, string] {
  if (text.startsWith('"') || text.startsWith("'")) {
    const end = text.indexOf(text[0], 1);
    if (end < 0 || text[end + 1] !== ':') throw new YamlError(`line ${line}: bad quoted key`);
    return [String(scalar(text.slice(0, end + 1), line)), text.slice(end + 2).trim()];
  }
  const match = /^([^:]+?):(?:\s+(.*))?$/.exec(text);
  if (!match) throw new YamlError(`line ${line}: expected "key: value", got "${text}"`);
  return [match[1], match[2]?.trim() ?? ''];
}

class Reader {
  private at = 0;
  constructor(private readonly lines: Line[]) {}

  document(): Yaml {
    if (!this.lines.length) return null;
    const value = this.block(this.lines[0].indent);
    const rest = this.lines[this.at];
    if (rest) throw new YamlError(`line ${rest.number}: unexpected indentation`);
    return value;
  }

  private block(indent: number): Yaml {
    const line = this.lines[this.at];
    if (line.text === '-' || line.text.startsWith('- ')) return this.sequence(indent);
    return this.map(indent);
  }

  private isItem(line: Line | undefined, indent: number): boolean {
    return !!line && line.indent === indent && (line.text === '-' || line.text.startsWith('- '));
  }

  private sequence(indent: number): Yaml[] {
    const items: Yaml[] = [];
    while (this.isItem(this.lines[this.at], indent)) {
      const line = this.lines[this.at];
      const rest = line.text.slice(1).trimStart();
      if (!rest) {
        this.at += 1;
        items.push(this.nested(indent));
      } else if (/^("[^"]*"|'[^']*'|[^\s"'[{][^:]*?):(\s|$)/.test(rest)) {
        // `- key: value` opens a map whose keys line up with `key`.
        const inner = indent + (line.text.length - rest.length);
        this.lines[this.at] = { ...line, indent: inner, text: rest };
        items.push(this.map(inner));
      } else {
        this.at += 1;
        items.push(scalar(rest, line.number));
      }
    }
    return items;
  }

  /** The value on the lines after a bare `key:` or `-`: deeper block, same-indent list, or null. */
  private nested(indent: number, allowSameIndentList = false): Yaml {
    const next = this.lines[this.at];
    if (next && next.indent > indent) return this.block(next.indent);
    if (allowSameIndentList && this.isItem(next, indent)) return this.sequence(indent);
    return null;
  }

  private map(indent: number): { [key: string]: Yaml } {
    const out: { [key: string]: Yaml } = {};
    for (let line = this.lines[this.at]; line && line.indent === indent; line = this.lines[this.at]) {
      if (this.isItem(line, indent)) break;
      const [key, rest] = splitEntry(line.text, line.number);
      if (key in out) throw new YamlError(`line ${line.number}: duplicate key "${key}"`);
      this.at += 1;
      out[key] = rest ? scalar(rest, line.number) : this.nested(indent, true);
    }
    const stray = this.lines[this.at];
    if (stray && stray.indent > indent) throw new YamlError(`line ${stray.number}: unexpected indentation`);
    return out;
  }
}

/** Every document in `text` (split at `---` lines); empty documents are dropped. */
export function parseYamlDocuments(text: string): Yaml[] {
  const docs: Yaml[] = [];
  let start = 0;
  const lines = text.split('\n');
  const flush = (end: number) => {
    const doc = new Reader(toLines(lines.slice(start, end).join('\n'), start + 1)).document();
    if (doc !== null) docs.push(doc);
  };
  lines.forEach((line, i) => {
    if (/^---\s*$/.test(line)) {
      flush(i);
      start = i + 1;
    }
  });
  flush(lines.length);
  return docs;
}

export function parseYaml(text: string): Yaml {
  const docs = parseYamlDocuments(text);
  if (docs.length > 1) throw new YamlError(`expected one YAML document, found ${docs.length}`);
  return docs[0] ?? null;
}
