// The tool surface is an interface agents depend on: a change to any tool snapshot needs a
// CHANGELOG.md entry. The changelog's `toolsnaps:` line holds the hash of the snapshots it
// describes; when they change, this fails until someone writes the entry and the new hash.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

function toolsnapsHash(): string {
  const dir = join(root, 'test', '__toolsnaps__');
  const hash = createHash('sha256');
  for (const f of readdirSync(dir).sort()) {
    hash.update(f);
    hash.update(readFileSync(join(dir, f)));
  }
  return hash.digest('hex').slice(0, 16);
}

describe('CHANGELOG.md', () => {
  it('describes the current tool snapshots', () => {
    const changelog = readFileSync(join(root, 'CHANGELOG.md'), 'utf8');
    const recorded = /toolsnaps: ([0-9a-f]{16})/.exec(changelog)?.[1];
    const now = toolsnapsHash();
    expect(
      recorded,
      `the tool snapshots changed (hash ${now}). Fix: describe the change under "Unreleased" in CHANGELOG.md (renamed or removed fields stay, deprecated, for one minor version) and set its toolsnaps line to ${now}`,
    ).toBe(now);
  });
});
