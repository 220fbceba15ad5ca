// The contract fixtures (test/fixtures/wire, format in test/helpers/wire.ts) are well formed.
import { describe, expect, it } from 'vitest';
import { CAPTURED_DIR, checkFixture, compareShape, fillPlaceholders, loadFixtures } from './helpers/wire.js';

const good = {
  endpoint: 'GET /files/api/resources/*',
  case: 'x',
  provenance: { kind: 'derived', repo: 'beclab/files', commit: 'abc', file: 'a.go', line: '1', note: 'n' },
  request: { method: 'GET', path: '/api/resources/drive/Home/', body: null },
  response: { status: 200, headers: {}, body: {} },
};

describe('wire fixture format', () => {
  it('every fixture file has the fixed shape', () => {
    const fixtures = loadFixtures();
    expect(fixtures.length).toBeGreaterThan(0);
    for (const f of fixtures) expect(f.provenance.kind).not.toBe('captured');
  });

  it('recorded answers, if any, are marked captured and well formed', () => {
    for (const f of loadFixtures(CAPTURED_DIR)) expect(f.provenance.kind).toBe('captured');
    const recorded = { ...good, provenance: { ...good.provenance, kind: 'captured' } };
    expect(checkFixture(recorded, 'files/x.json', { captured: true })).toEqual([]);
    expect(checkFixture(good, 'files/x.json', { captured: true }).join()).toMatch(/only captured/);
  });

  it('the checker refuses a captured claim, a wrong folder and a missing field', () => {
    expect(checkFixture(good, 'files/x.json')).toEqual([]);
    const captured = { ...good, provenance: { ...good.provenance, kind: 'captured' } };
    expect(checkFixture(captured, 'files/x.json').join()).toMatch(/captured/);
    expect(checkFixture(good, 'market/x.json').join()).toMatch(/not under the folder/);
    const { response: _r, ...noResponse } = good;
    expect(checkFixture(noResponse, 'files/x.json').join()).toMatch(/response missing/);
    const cli = { ...good, provenance: { ...good.provenance, kind: 'cli-only' } };
    expect(checkFixture(cli, 'files/x.json').join()).toMatch(/beclab\/Olares/);
  });

  it('shape comparison names the field that differs, both ways', () => {
    expect(compareShape({ a: 1, b: [{ c: 'x' }] }, { a: 2, b: [{ c: 'y' }] })).toEqual([]);
    expect(compareShape({ a: 1 }, { a: '1' })).toEqual(['body.a: fixture has number, simulator string']);
    expect(compareShape({ a: 1 }, { a: 1, z: true })).toEqual([
      'body.z: sent by the simulator, not by the real server',
    ]);
    expect(compareShape({ a: [{ c: 1 }] }, { a: [{}] })).toEqual([
      'body.a[0].c: in the fixture, missing from the simulator',
    ]);
  });

  it('placeholders are filled, and an unknown one is an error', () => {
    expect(fillPlaceholders({ p: '/x/{{node}}/' }, { node: 'n1' })).toEqual({ p: '/x/n1/' });
    expect(() => fillPlaceholders('{{nope}}', {})).toThrow(/nope/);
  });
});
