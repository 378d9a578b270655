/**
 * A map from SHA-256 hashes to 32-bit values in one typed array: 20 bytes a slot (the first 128
 * bits of the hash, then the value), open addressing with linear probing, grown by doubling once
 * three quarters of the slots are used. The verifier remembers every command it has seen in it
 * (keyed by the hash of the command's (actor, nonce), valued by the first 32 bits of the command's
 * hash): the slots are kept between three eighths and three quarters full, so 27 to 53 bytes a
 * command, where a Set of strings costs about 100 and the two half-full sets of 128-bit keys it
 * replaced cost 64 to 128.
 */
const WORDS = 5

export class HashMap128 {
  private slots: Uint32Array
  private used = 0

  constructor(initialCapacity = 1024) {
    let capacity = 16
    while (capacity * 3 < initialCapacity * 4) capacity *= 2
    this.slots = new Uint32Array(capacity * WORDS)
  }

  get size(): number {
    return this.used
  }

  /** The bytes the slots take. */
  get bytes(): number {
    return this.slots.byteLength
  }

  private get capacity(): number {
    return this.slots.length / WORDS
  }

  /**
   * Adds `hexHash` (64 hex characters) with `value` (a 32-bit unsigned integer) unless it is
   * present: then returns the value it already has, and changes nothing.
   */
  putIfAbsent(hexHash: string, value: number): number | undefined {
    if ((this.used + 1) * 4 > this.capacity * 3) this.grow()
    return this.insert(parseInt(hexHash.slice(0, 8), 16), parseInt(hexHash.slice(8, 16), 16), parseInt(hexHash.slice(16, 24), 16), parseInt(hexHash.slice(24, 32), 16), value >>> 0)
  }

  /** The value of `hexHash`, or undefined when absent. */
  get(hexHash: string): number | undefined {
    const [a, b, c, d] = key(parseInt(hexHash.slice(0, 8), 16), parseInt(hexHash.slice(8, 16), 16), parseInt(hexHash.slice(16, 24), 16), parseInt(hexHash.slice(24, 32), 16))
    const mask = this.capacity - 1
    for (let index = home(a, b, c, d) & mask; ; index = (index + 1) & mask) {
      const base = index * WORDS
      const slotA = this.slots[base]
      if (slotA === 0) return undefined
      if (slotA === a && this.slots[base + 1] === b && this.slots[base + 2] === c && this.slots[base + 3] === d) return this.slots[base + 4]
    }
  }

  private insert(rawA: number, rawB: number, rawC: number, rawD: number, value: number): number | undefined {
    const [a, b, c, d] = key(rawA, rawB, rawC, rawD)
    const mask = this.capacity - 1
    for (let index = home(a, b, c, d) & mask; ; index = (index + 1) & mask) {
      const base = index * WORDS
      const slotA = this.slots[base]
      if (slotA === 0) {
        this.slots[base] = a
        this.slots[base + 1] = b
        this.slots[base + 2] = c
        this.slots[base + 3] = d
        this.slots[base + 4] = value
        this.used++
        return undefined
      }
      if (slotA === a && this.slots[base + 1] === b && this.slots[base + 2] === c && this.slots[base + 3] === d) return this.slots[base + 4]
    }
  }

  private grow(): void {
    const old = this.slots
    this.slots = new Uint32Array(old.length * 2)
    this.used = 0
    for (let base = 0; base < old.length; base += WORDS) {
      // Stored keys are already in slot form (first word non-zero), which key() leaves as it is.
      const a = old[base] ?? 0
      if (a !== 0) this.insert(a, old[base + 1] ?? 0, old[base + 2] ?? 0, old[base + 3] ?? 0, old[base + 4] ?? 0)
    }
  }
}

/**
 * A key's slot form. A zero first word marks an empty slot, so a hash whose first word is zero is
 * stored with first word 1 and the top bit of its last word flipped. It then shares its slot form
 * with one other 128-bit prefix (first word 1, last word's top bit flipped back): two SHA-256
 * prefixes in that relation are as hard to find as a 128-bit collision.
 */
function key(a: number, b: number, c: number, d: number): [number, number, number, number] {
  return a === 0 ? [1, b, c, (d ^ 0x80000000) >>> 0] : [a, b, c, d]
}

/**
 * A key's first slot, from all four of its words. The keys are SHA-256 outputs, which nobody can
 * steer into one run of slots; mixing every word keeps keys that share some words (as in tests)
 * apart too.
 */
function home(a: number, b: number, c: number, d: number): number {
  return (a ^ Math.imul(b, 0x9e3779b1) ^ Math.imul(c, 0x85ebca6b) ^ Math.imul(d, 0xc2b2ae35)) >>> 0
}
