import fc from 'fast-check';
import { renderBarChart, renderStackedBarChart } from './svg-chart';

/** XML 1.0, production [2]: Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. */
function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** Every character, including those written as character references, must be an XML Char. */
function notXml(svg: string): number[] {
  const bad: number[] = [];
  for (const char of svg) {
    const code = char.codePointAt(0) ?? 0;
    if (!isXmlChar(code) || (code >= 0xd800 && code <= 0xdfff)) bad.push(code);
  }
  for (const match of svg.matchAll(/&#(x[0-9a-f]+|\d+);/gi)) {
    const ref = match[1] ?? '';
    const code = ref.startsWith('x') || ref.startsWith('X') ? parseInt(ref.slice(1), 16) : Number(ref);
    if (!isXmlChar(code)) bad.push(code);
  }
  return bad;
}

describe('SVG charts with labels from the data', () => {
  const hostile = 'Ana\u0000\u0001\u001b[31m\u007f\u009b\ud800 <b>&"\'\ufffe';

  it('draw labels with control characters, markup and lone surrogates as well-formed XML', () => {
    const stacked = renderStackedBarChart({
      title: hostile,
      subtitle: hostile,
      partLabels: [hostile],
      bars: [{ label: hostile, note: hostile, parts: [5] }],
      formatValue: (value) => `${value}`,
    });
    const bars = renderBarChart({
      title: 'DSO',
      bars: [{ label: hostile, value: 3, note: hostile }],
      formatValue: (value) => value.toFixed(1),
    });
    for (const svg of [stacked, bars]) {
      expect(notXml(svg)).toEqual([]);
      expect(svg).not.toContain('<b>');
      expect(svg).toContain('Ana');
    }
  });

  it('any label gives text XML accepts', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (label) => {
        const svg = renderBarChart({ title: label, bars: [{ label, value: 1 }], formatValue: String });
        expect(notXml(svg)).toEqual([]);
      }),
      { numRuns: 300, seed: 31 },
    );
  });
});
