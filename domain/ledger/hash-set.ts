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
    const base = this.probe(hexHash)
    if (this.slots[base] !== 0) return this.slots[base + 4]
    this.fill(base, value >>> 0)
    return undefined
  }

  /** The value of `hexHash`, or undefined when absent. */
  get(hexHash: string): number | undefined {
    const base = this.probe(hexHash)
    return this.slots[base] === 0 ? undefined : this.slots[base + 4]
  }

  /** The key words of the last probe, in slot form: what `fill` writes. */
  private readonly words = new Uint32Array(4)

  /** The slot (its first word's index) holding `hexHash`'s first 128 bits, or the empty slot where they would go. */
  private probe(hexHash: string): number {
    for (let w = 0; w < 4; w++) this.words[w] = parseInt(hexHash.slice(w * 8, w * 8 + 8), 16)
    return this.probeWords()
  }

  /** As `probe`, for the key already in `words` (raw: a zero first word is put in slot form here). */
  private probeWords(): number {
    const words = this.words
    // Slot form (below): a zero first word marks an empty slot.
    if (words[0] === 0) {
      words[0] = 1
      words[3] = ((words[3] as number) ^ 0x80000000) >>> 0
    }
    const a = words[0] as number
    const b = words[1] as number
    const c = words[2] as number
    const d = words[3] as number
    const mask = this.capacity - 1
    for (let index = home(a, b, c, d) & mask; ; index = (index + 1) & mask) {
      const base = index * WORDS
      const slotA = this.slots[base]
      if (slotA === 0 || (slotA === a && this.slots[base + 1] === b && this.slots[base + 2] === c && this.slots[base + 3] === d)) return base
    }
  }

  private fill(base: number, value: number): void {
    this.slots.set(this.words, base)
    this.slots[base + 4] = value
    this.used++
  }

  private grow(): void {
    const old = this.slots
    this.slots = new Uint32Array(old.length * 2)
    this.used = 0
    for (let base = 0; base < old.length; base += WORDS) {
      // Stored keys are already in slot form (first word non-zero), which probeWords leaves as it is.
      if (old[base] === 0) continue
      this.words.set(old.subarray(base, base + 4))
      this.fill(this.probeWords(), old[base + 4] as number)
    }
  }
}

/*
 * Slot form: a zero first word marks an empty slot, so a hash whose first word is zero is stored
 * with first word 1 and the top bit of its last word flipped. It then shares its slot form with
 * one other 128-bit prefix (first word 1, last word's top bit flipped back): two SHA-256 prefixes
 * in that relation are as hard to find as a 128-bit collision.
 */

/**
 * A key's first slot, from all four of its words. The keys are SHA-256 outputs, which nobody can
 * steer into one run of slots; mixing every word keeps keys that share some words (as in tests)
 * apart too.
 */
function home(a: number, b: number, c: number, d: number): number {
  return (a ^ Math.imul(b, 0x9e3779b1) ^ Math.imul(c, 0x85ebca6b) ^ Math.imul(d, 0xc2b2ae35)) >>> 0
}
