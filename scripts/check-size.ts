// Keeps the code in pieces a newcomer can hold: no source file over 500 lines and no function
// over 80, except the named exceptions below (each with the reason it is worth keeping whole).
// `npm run check:size` (CI runs it) lists every offender and fails when there is one.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const root = join(import.meta.dirname, '..');
const MAX_FILE_LINES = 500;
const MAX_FUNCTION_LINES = 80;

/** `path` or `path:function` → why it stays over the limit. */
const ALLOWED: Record<string, string> = {};

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function functionName(node: ts.Node): string {
  if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isGetAccessor(node)) && node.name)
    return node.name.getText();
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText();
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText();
  return '<anonymous>';
}

const offenders: string[] = [];
for (const file of ['src', 'sim'].flatMap((d) => sourceFiles(join(root, d)))) {
  const rel = relative(root, file).replaceAll('\\', '/');
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n').length;
  if (lines > MAX_FILE_LINES && !ALLOWED[rel])
    offenders.push(`${rel}: ${lines} lines (max ${MAX_FILE_LINES})`);
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = functionName(node);
      const length = end - start + 1;
      if (length > MAX_FUNCTION_LINES && !ALLOWED[`${rel}:${name}`])
        offenders.push(`${rel}:${start + 1} ${name}: ${length} lines (max ${MAX_FUNCTION_LINES})`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}

if (offenders.length) {
  process.stderr.write(
    `${offenders.length} over the size limits. Fix: split them (one file per verb group, one function per step), or name them in ALLOWED in scripts/check-size.ts with the reason:\n  ${offenders.join('\n  ')}\n`,
  );
  process.exit(1);
}
process.stdout.write('check-size: every file and function within limits\n');
