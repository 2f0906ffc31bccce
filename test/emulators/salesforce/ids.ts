/**
 * Salesforce record ids: 15 case-sensitive characters (3-character key prefix + 12) plus the 3-character
 * case-insensitive checksum suffix that makes the 18-character form. The emulator mints them from
 * counters, so a fresh emulator always hands out the same ids.
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
/** The "pod" characters after the key prefix (a real org has its instance here). */
const POD = 'Em';

const ID_SHAPE = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

/** The 3-character suffix: for each 5-character chunk, a bit per upper-case letter. */
export function checksumSuffix(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk += 1) {
    let bits = 0;
    for (let index = 0; index < 5; index += 1) {
      const char = id15.charAt(chunk * 5 + index);
      if (char >= 'A' && char <= 'Z') bits |= 1 << index;
    }
    suffix += SUFFIX_ALPHABET.charAt(bits);
  }
  return suffix;
}

/** True for a 15- or 18-character alphanumeric string (the shape, not the checksum). */
export function isIdShaped(value: string): boolean {
  return ID_SHAPE.test(value);
}

/**
 * The canonical 18-character id, or null when `value` is not an id: a 15-character id gets its suffix;
 * an 18-character id must carry the right suffix (compared case-insensitively, as Salesforce does).
 */
export function normalizeId(value: string): string | null {
  if (!ID_SHAPE.test(value)) return null;
  const id15 = value.slice(0, 15);
  const suffix = checksumSuffix(id15);
  if (value.length === 18 && value.slice(15).toUpperCase() !== suffix) return null;
  return id15 + suffix;
}

function base62(value: number, width: number): string {
  let text = '';
  let rest = Math.floor(value);
  while (rest > 0) {
    text = BASE62.charAt(rest % 62) + text;
    rest = Math.floor(rest / 62);
  }
  return text.padStart(width, '0');
}

/** `prefix` + pod + `0` + a 9-character base-62 counter, then the checksum: 18 characters. */
export function mintId(prefix: string, counter: number): string {
  const id15 = `${prefix}${POD}0${base62(counter, 9)}`;
  return id15 + checksumSuffix(id15);
}

/** A deterministic opaque token body (base-62 counter, padded). */
export function counterToken(counter: number, width = 12): string {
  return base62(counter, width);
}
