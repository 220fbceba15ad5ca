// The audit lines of serve --http (src/remote/auditLines.ts): every call's line is written, in
// order, in one write per event-loop turn, and none is lost when the process exits.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AuditLines } from '../src/remote/auditLines.js';

const run = promisify(execFile);

describe('audit lines', () => {
  it('writes the lines of one turn together, in order, each on its own line', async () => {
    const writes: string[] = [];
    const lines = new AuditLines((text) => writes.push(text));
    lines.push('{"n":1}');
    lines.push('{"n":2}');
    lines.push('{"n":3}');
    expect(writes).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(writes).toEqual(['{"n":1}\n{"n":2}\n{"n":3}\n']);
    lines.push('{"n":4}');
    await new Promise((r) => setImmediate(r));
    expect(writes).toEqual(['{"n":1}\n{"n":2}\n{"n":3}\n', '{"n":4}\n']);
  });

  it('writes what is still waiting when the process exits', async () => {
    const module = join(import.meta.dirname, '..', 'src', 'remote', 'auditLines.ts');
    const script = `const { AuditLines } = await import(${JSON.stringify(module)}); const a = new AuditLines(); a.push('last'); process.exit(0);`;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
    expect(stdout).toBe('last\n');
  });
});
