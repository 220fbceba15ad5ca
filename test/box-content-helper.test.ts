// The tests read a file's text out of the fenced raw block (files_cat carries it nowhere else),
// so the helper that does it must find exactly that text and fail loudly when there is none.
import { describe, expect, it } from 'vitest';
import { resultText } from '../src/tools/boxText.js';
import { boxContent } from './helpers/mcp.js';

const asResult = (text: string) => ({ content: [{ type: 'text', text }] });

function catResult(fileText: string) {
  const data = { path: 'drive/Home/a.txt', size: fileText.length, truncated: false, lines: 1 };
  return asResult(
    resultText({
      tool: 'files_cat',
      summary: 'the whole file',
      data,
      fromBox: true,
      raw: { label: 'file drive/Home/a.txt', text: fileText },
    }),
  );
}

describe('boxContent', () => {
  it('returns the raw text, not the result JSON, whatever fences and blank lines it holds', () => {
    for (const text of ['a\n', '', '\n\n', 'x\n```\n````` y\n```', 'ends in backticks ``']) {
      expect(boxContent(catResult(text))).toBe(text);
    }
  });

  it('throws when the result has no raw block', () => {
    const onlyJson = asResult(
      resultText({ tool: 'files_ls', summary: 's', data: { items: [] }, fromBox: true }),
    );
    expect(() => boxContent(onlyJson)).toThrow(/no fenced raw block/);
    expect(() => boxContent(asResult('plain text'))).toThrow(/no fenced raw block/);
    expect(() => boxContent({})).toThrow(/no fenced raw block/);
  });
});
