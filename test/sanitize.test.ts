// The live recorder's sanitizer: what a captured fixture may keep, and what it never keeps.
import { describe, expect, it } from 'vitest';
import { sanitizeAnswer } from './live/sanitize.js';

const who = { olaresId: 'carol@carol-box.net' };

describe('captured-answer sanitizer', () => {
  it('drops cookies and tokens and replaces user, domain and file names', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYXJvbCJ9.c2lnbmF0dXJl';
    const out = sanitizeAnswer(
      {
        status: 200,
        headers: { 'content-type': 'application/json', 'set-cookie': `auth_token=${jwt}`, server: 'x' },
        body: {
          status: 'OK',
          data: { access_token: jwt, redirect: 'https://desktop.carol.carol-box.net' },
          items: [{ name: 'Tax return 2026.pdf', path: '/Documents/Tax return 2026.pdf', size: 5 }],
          owner: 'carol',
        },
      },
      who,
    );
    const text = JSON.stringify(out);
    expect(text).not.toMatch(/carol|eyJ|auth_token|Tax return/);
    expect(out.headers).toEqual({ 'content-type': 'application/json' });
    expect(out.body).toMatchObject({
      data: { access_token: 'REDACTED-TOKEN', redirect: 'https://desktop.user.example.invalid' },
      items: [{ name: 'name-1.pdf', path: '/path-2.pdf', size: 5 }],
    });
  });

  it('keeps no file content, only its length', () => {
    const out = sanitizeAnswer(
      {
        status: 206,
        headers: { 'content-type': 'text/plain', 'content-range': 'bytes 0-3/9' },
        body: 'mine',
      },
      who,
    );
    expect(out.body).toBe('(4 bytes of file content, not recorded)');
    expect(out.headers['content-range']).toBe('bytes 0-3/9');
  });
});
