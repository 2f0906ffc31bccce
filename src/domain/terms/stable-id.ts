/**
 * A short, stable identifier for a text (64-bit FNV-1a over its UTF-16 code units, as 16 hex
 * digits): the same inputs always give the same id. For idempotency keys, not for security.
 */
export function stableId(text: string): string {
  let hash = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= BigInt(text.charCodeAt(index));
    hash = (hash * prime) & mask;
  }
  return hash.toString(16).padStart(16, '0');
}
