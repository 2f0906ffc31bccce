/**
 * A short, stable identifier for a text (64-bit FNV-1a over its UTF-16 code units, as 16 hex
 * digits): the same inputs always give the same id. For idempotency keys, not for security.
 *
 * The 64-bit state is kept in four 16-bit limbs (little end first) so the loop stays in small
 * integers: the prime is 2^40 + 0x1b3, so `hash * prime` is `hash * 0x1b3` plus `hash` shifted up
 * 40 bits (limb i, shifted 8 bits, lands in limb i + 2), modulo 2^64.
 */
export function stableId(text: string): string {
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  for (let index = 0; index < text.length; index += 1) {
    const unit = text.charCodeAt(index);
    h0 ^= unit & 0xffff;
    const t0 = h0 * 0x1b3;
    const t1 = h1 * 0x1b3 + (t0 >>> 16);
    const t2 = h2 * 0x1b3 + (h0 << 8) + (t1 >>> 16);
    const t3 = h3 * 0x1b3 + (h1 << 8) + (t2 >>> 16);
    h0 = t0 & 0xffff;
    h1 = t1 & 0xffff;
    h2 = t2 & 0xffff;
    h3 = t3 & 0xffff;
  }
  return [h3, h2, h1, h0].map((limb) => limb.toString(16).padStart(4, '0')).join('');
}
