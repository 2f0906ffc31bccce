import { stableId } from './stable-id';

describe('stableId (64-bit FNV-1a)', () => {
  // Published FNV-1a 64-bit test vectors (ASCII text: one UTF-16 unit per byte).
  it.each([
    ['', 'cbf29ce484222325'],
    ['a', 'af63dc4c8601ec8c'],
    ['foobar', '85944171f73967e8'],
  ])('%j → %s', (text, id) => {
    expect(stableId(text)).toBe(id);
  });

  it('matches the 64-bit definition worked in BigInt over long text with units above 0xff', () => {
    const text = `${'Zürich — 東京 '.repeat(40)}${JSON.stringify({ amount: 123456, currency: 'JPY' })}`;
    let reference = 0xcbf29ce484222325n;
    for (let index = 0; index < text.length; index += 1) {
      reference ^= BigInt(text.charCodeAt(index));
      reference = BigInt.asUintN(64, reference * 0x100000001b3n);
    }
    expect(stableId(text)).toBe(reference.toString(16).padStart(16, '0'));
  });
});
