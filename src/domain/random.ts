/**
 * A small seeded pseudo-random generator (sfc32, keyed through murmur3's finaliser) for reproducible data.
 * Only integer and basic floating-point operations are used, so a seed gives the same sequence on
 * every platform and Node version. Not for anything secret.
 */

/** Values with relative weights, prepared once so each draw is a short scan. */
export type Weighted<T> = {
  readonly values: readonly T[];
  /** Running totals of the weights, ending with `total`. */
  readonly cumulative: readonly number[];
  readonly total: number;
};

export function weighted<T>(entries: readonly (readonly [T, number])[]): Weighted<T> {
  const values: T[] = [];
  const cumulative: number[] = [];
  let total = 0;
  for (const [value, weight] of entries) {
    if (!(weight >= 0) || !Number.isFinite(weight)) throw new RangeError(`weight must be ≥ 0, got ${weight}`);
    if (weight === 0) continue;
    total += weight;
    values.push(value);
    cumulative.push(total);
  }
  if (values.length === 0) throw new RangeError('weighted() needs at least one positive weight');
  return { values, cumulative, total };
}

export type Random = {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** true with probability `p`. */
  chance(p: number): boolean;
  /** One of `items`, uniformly. */
  choose<T>(items: readonly T[]): T;
  /** One value of a weighted table, with probability proportional to its weight. */
  pick<T>(table: Weighted<T>): T;
  /** Bell-shaped around `mean` with standard deviation `sd`, bounded to about ±3.5 sd (Irwin–Hall). */
  normal(mean: number, sd: number): number;
};

const TWO_POW_32 = 4294967296;
const SQRT_3 = Math.sqrt(3);

/** murmur3's 32-bit finaliser: a bijection on 32-bit words that spreads every input bit. */
function mix32(value: number): number {
  let z = value | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

class Sfc32 implements Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Distinct keys give distinct states: the first word is a bijection of the key. */
  constructor(key: number) {
    this.a = mix32(key);
    this.b = mix32((key + 0x9e3779b9) | 0);
    this.c = mix32((key + 0x3c6ef372) | 0);
    // A counter word starting at 1 keeps the state away from all zeros.
    this.d = 1;
    for (let index = 0; index < 12; index += 1) this.nextUint32();
  }

  private nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  int(min: number, max: number): number {
    if (max < min) throw new RangeError(`int(${min}, ${max}): max is below min`);
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  choose<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('choose() needs at least one item');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  pick<T>(table: Weighted<T>): T {
    const target = this.next() * table.total;
    const { cumulative, values } = table;
    for (let index = 0; index < cumulative.length; index += 1) {
      if (target < (cumulative[index] as number)) return values[index] as T;
    }
    return values[values.length - 1] as T;
  }

  normal(mean: number, sd: number): number {
    const sum = this.next() + this.next() + this.next() + this.next();
    return mean + (sum - 2) * SQRT_3 * sd;
  }
}

/**
 * A generator for `seed` (any safe integer). Different `stream` numbers give independent sequences
 * from the same seed, so parts of a data set can be generated without depending on each other's draws.
 */
export function createRandom(seed: number, stream = 0): Random {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  if (!Number.isSafeInteger(stream)) throw new RangeError(`stream must be a safe integer, got ${stream}`);
  const seedKey = mix32(mix32(seed >>> 0) ^ (Math.floor(seed / TWO_POW_32) >>> 0));
  // Adding the stream keeps keys distinct for up to 2^32 streams of one seed.
  const key = mix32(seedKey ^ mix32(Math.floor(stream / TWO_POW_32) >>> 0)) + (stream >>> 0);
  return new Sfc32(key | 0);
}
