import fc from 'fast-check';
import {
  escapeControlCharacters,
  fromFormulaCell,
  neutraliseFormula,
  quoteValue,
  toFormulaCell,
} from './text';

describe('quoteValue', () => {
  it('quotes short values as they are', () => {
    expect(quoteValue('12.345')).toBe('"12.345"');
    expect(quoteValue('Müller')).toBe('"Müller"');
  });

  it('cuts after 80 characters with an ellipsis, never inside a character', () => {
    expect(quoteValue('x'.repeat(81))).toBe(`"${'x'.repeat(80)}…"`);
    expect(quoteValue('x'.repeat(80))).toBe(`"${'x'.repeat(80)}"`);
    // 79 letters, then an emoji of two UTF-16 units: 80 characters, kept whole.
    expect(quoteValue(`${'a'.repeat(79)}😀tail`)).toBe(`"${'a'.repeat(79)}😀…"`);
  });

  it('shows control characters as \\xNN', () => {
    expect(quoteValue('a\u0000b\u001b[31mc\u009bd\ne')).toBe('"a\\x00b\\x1b[31mc\\x9bd\\x0ae"');
  });
});

describe('escapeControlCharacters', () => {
  it('keeps tab and line feed for layout and shows every other control character', () => {
    expect(escapeControlCharacters('a\tb\nc\rd\u0007e\u007ff\u0085')).toBe('a\tb\nc\\x0dd\\x07e\\x7ff\\x85');
  });

  it('leaves no C0 (but tab and line feed), DEL or C1 character in any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        for (const char of escapeControlCharacters(text)) {
          const code = char.codePointAt(0) ?? 0;
          const control = code < 0x20 || (code >= 0x7f && code <= 0x9f);
          expect(control && char !== '\t' && char !== '\n').toBe(false);
        }
      }),
      { numRuns: 300, seed: 17 },
    );
  });
});

describe('formulas', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+49 30 1234', "'+49 30 1234"],
    ['-cus_1', "'-cus_1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['\rx', "'\rx"],
    ['Acme = good', 'Acme = good'],
    ['', ''],
  ])('neutraliseFormula(%j) is %j', (text, neutral) => {
    expect(neutraliseFormula(text)).toBe(neutral);
  });

  it('a file cell gives back exactly the text written, whatever it starts with', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 12 }),
        fc.constantFrom('', "'", "''", '=', "'=", '-', '@'),
        (tail, head) => {
          const text = head + tail;
          expect(fromFormulaCell(toFormulaCell(text))).toBe(text);
          expect(toFormulaCell(text)).not.toMatch(/^[=+\-@\t\r]/);
        },
      ),
      { numRuns: 300, seed: 23 },
    );
  });

  it('reads a hand-written apostrophe before a formula as the spreadsheet does, and keeps any other', () => {
    expect(fromFormulaCell("'=1+1")).toBe('=1+1');
    expect(fromFormulaCell("'90s Diner")).toBe("'90s Diner");
  });
});
