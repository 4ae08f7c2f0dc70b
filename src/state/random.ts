/**
 * Seeded, serialisable pseudo-random generator (xoshiro128**, 2^128 − 1 period).
 * The state is four uint32 words: `{ s: [a, b, c, d] }`, JSON-safe.
 * `deriveSeed(seed, ...keys)` hashes a base seed with counters (step, purpose) so that
 * per-step randomness needs no stored state at all.
 */
export interface RandomState {
  s: [number, number, number, number];
}

/** splitmix32 step: used to expand a seed into generator state and to hash keys. */
function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Deterministic 32-bit seed from a base seed and integer keys: deriveSeed(seed, step, purposeId). */
export function deriveSeed(seed: number, ...keys: number[]): number {
  let h = splitmix32(seed >>> 0);
  for (const k of keys) h = splitmix32((h ^ Math.imul(k >>> 0, 0x27d4eb2d)) >>> 0);
  return h;
}

/** Seeded xoshiro128** random number generator whose state serialises (getState / new Random(state)), so a resumed run draws the same numbers. */
export class Random {
  private s: Uint32Array;

  constructor(seed: number | RandomState) {
    this.s = new Uint32Array(4);
    if (typeof seed === 'number') {
      let x = seed >>> 0;
      for (let i = 0; i < 4; i++) {
        x = splitmix32(x + i);
        this.s[i] = x;
      }
      if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
    } else {
      if (!Array.isArray(seed?.s) || seed.s.length !== 4 || !seed.s.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32)) {
        throw new Error('tear-ssl.Random: state must be { s: [4 uint32 words] }');
      }
      this.s.set(seed.s);
    }
  }

  /** The generator state, JSON-safe; `new Random(state)` resumes the same sequence. */
  getState(): RandomState {
    return { s: [this.s[0], this.s[1], this.s[2], this.s[3]] };
  }

  /** Next uniform uint32. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform float in [0, 1) with 32 bits of randomness. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`tear-ssl.Random.nextInt: n must be a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Fisher–Yates shuffle of a copy of `items`. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  /** A 32-bit seed for a tfjs op that takes `seed` (tf.randomUniform etc.). */
  nextSeed(): number {
    return this.nextUint32();
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
