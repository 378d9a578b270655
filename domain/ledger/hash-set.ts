/**
 * A set of SHA-256 hashes in typed arrays: 16 bytes a slot (the first 128 bits of each hash), open
 * addressing, so the verifier can remember every command it has seen in bounded, predictable
 * memory (about 32 bytes a command) instead of a Set of strings (about 100).
 */
export class HashSet128 {
  private slots: Uint32Array
  private used = 0

  constructor(initialCapacity = 1024) {
    let capacity = 16
    while (capacity < initialCapacity * 2) capacity *= 2
    this.slots = new Uint32Array(capacity * 4)
  }

  get size(): number {
    return this.used
  }

  /** Adds the hash (64 hex characters); false when it was already present. */
  add(hexHash: string): boolean {
    if (this.used * 2 >= this.slots.length / 4) this.grow()
    return this.insert(parseInt(hexHash.slice(0, 8), 16), parseInt(hexHash.slice(8, 16), 16), parseInt(hexHash.slice(16, 24), 16), parseInt(hexHash.slice(24, 32), 16))
  }

  private insert(a: number, b: number, c: number, d: number): boolean {
    // A zero first word marks an empty slot; hashes whose first word is zero are nudged to 1
    // together with a flag bit in the last word so that they stay distinct from any other value.
    if (a === 0) {
      a = 1
      d = (d ^ 0x80000000) >>> 0
    }
    const mask = this.slots.length / 4 - 1
    let index = (b ^ c) & mask
    for (;;) {
      const base = index * 4
      const slotA = this.slots[base]
      if (slotA === 0) {
        this.slots[base] = a
        this.slots[base + 1] = b
        this.slots[base + 2] = c
        this.slots[base + 3] = d
        this.used++
        return true
      }
      if (slotA === a && this.slots[base + 1] === b && this.slots[base + 2] === c && this.slots[base + 3] === d) return false
      index = (index + 1) & mask
    }
  }

  private grow(): void {
    const old = this.slots
    this.slots = new Uint32Array(old.length * 2)
    this.used = 0
    for (let base = 0; base < old.length; base += 4) {
      const a = old[base] ?? 0
      if (a !== 0) this.insert(a, old[base + 1] ?? 0, old[base + 2] ?? 0, old[base + 3] ?? 0)
    }
  }
}
