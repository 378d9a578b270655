/**
 * LogTree against an in-memory RFC 9162 tree (DenseTree): every root and proof the same for random
 * sizes and indices; nodes below tile height are looked up, not recomputed (a repeated proof costs
 * no hash at all); and the persisted tile index (Proofs with a TileIndexStore) spares a restart the
 * whole log, is used only when it gives the latest checkpoint's signed root, and is rebuilt when not.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toHex } from '../../../domain/crypto/hex.js'
import { anchorData } from '../../../domain/ledger/anchor.js'
import type { Envelope } from '../../../domain/ledger/envelope.js'
import { checkProof } from '../../../domain/ledger/proof.js'
import { DenseTree } from '../../../domain/tlog/dense-tree.js'
import { leafHash } from '../../../domain/tlog/hash.js'
import { consistencyProof, inclusionProof } from '../../../domain/tlog/proof.js'
import { nativeCrypto, nativeSha256 } from '../../../infrastructure/crypto/native.js'
import { Proofs, type ProofSource } from '../../../infrastructure/proofs/build-proof.js'
import { LogTree } from '../../../infrastructure/tlog/log-tree.js'
import { tileIndexFile } from '../../../infrastructure/tlog/tile-index.js'
import { buildLedger, ledgerKey } from '../../support/ledger-fixture.js'
import { scratchDirs } from '../../support/scratch.js'

const MAX = 1400
const entries = Array.from({ length: MAX }, (_, i) => nativeSha256(new TextEncoder().encode(`entry ${i}`)))
const envelopes = entries.map((hash, i) => ({ sequence: i + 1, hash: toHex(hash) }) as unknown as Envelope)
const dense = new DenseTree(nativeSha256)
for (const entry of entries) dense.append(leafHash(entry, nativeSha256))

/** A reader over the first `size` entries that counts what it hands out. */
function reader(size = MAX): { readRange(from: number, limit: number): Promise<Envelope[]>; read: number } {
  const counted = {
    read: 0,
    readRange(from: number, limit: number): Promise<Envelope[]> {
      const page = envelopes.slice(from - 1, Math.min(size, from - 1 + limit))
      counted.read += page.length
      return Promise.resolve(page)
    },
  }
  return counted
}

const hex = (hashes: readonly Uint8Array[]): string[] => hashes.map(toHex)

describe('LogTree', () => {
  it('gives the roots, inclusion and consistency proofs of the in-memory tree, for random sizes and indices', async () => {
    const tree = await LogTree.open(reader(), nativeSha256)
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: MAX }), fc.integer({ min: 0, max: MAX - 1 }), fc.integer({ min: 1, max: MAX }), async (size, at, other) => {
        const index = at % size
        const old = Math.min(other, size)
        expect(toHex(await tree.root(size))).toBe(toHex(dense.root(size)))
        expect(hex(await tree.inclusion(index, size))).toEqual(hex(inclusionProof(dense, index, size, nativeSha256)))
        expect(hex(await tree.consistency(old, size))).toEqual(hex(consistencyProof(dense, old, size, nativeSha256)))
      }),
      { numRuns: 300, seed: 1414 },
    )
  })

  it('hashes a tile\'s interior once when it loads it; proofs that need its nodes again cost no hash', async () => {
    let hashes = 0
    const counting = (bytes: Uint8Array): Uint8Array => {
      hashes++
      return nativeSha256(bytes)
    }
    const tree = await LogTree.open(reader(), counting)
    // A tree opened from tile roots holds none of those tiles' leaves until a proof needs them.
    const fresh = await LogTree.open(reader(), counting, 0, { tileRoots: [dense.node(8, 0), dense.node(8, 1), dense.node(8, 2), dense.node(8, 3), dense.node(8, 4)] })
    await fresh.catchUp()
    // At 1280 entries (five whole tiles) every node a proof needs is a complete subtree: stored, not computed.
    const SIZE = 1280
    hashes = 0
    await fresh.inclusion(3, SIZE)
    // Loading tile 0: 256 leaf hashes and 255 interior nodes, once.
    expect(hashes).toBe(511)
    hashes = 0
    for (let index = 0; index < 256; index++) await fresh.inclusion(index, SIZE)
    for (let size = 1; size <= 256; size++) await fresh.consistency(size, SIZE)
    expect(hashes).toBe(0)
    // At other sizes only the roots of the right edge's incomplete subtrees are hashed: O(log n), not per node.
    await fresh.inclusion(3, MAX)
    hashes = 0
    await fresh.inclusion(3, MAX)
    expect(hashes).toBeLessThanOrEqual(11)
    expect(hex(await tree.inclusion(3, MAX))).toEqual(hex(await fresh.inclusion(3, MAX)))
  })

  it('refuses a tile whose events no longer hash to the index', async () => {
    const wrong = new Uint8Array(32).fill(7)
    const tree = await LogTree.open(reader(), nativeSha256, 0, { tileRoots: [wrong] })
    await tree.catchUp()
    await expect(tree.inclusion(0, MAX)).rejects.toThrow(/no longer hash to the indexed tree/)
  })
})

describe('the persisted tile index', () => {
  const scratch = scratchDirs('ml-tile-index-')

  it('spares a restart the whole log, and is rebuilt when it does not give the signed root', async () => {
    const { store, backend } = await buildLedger(Array.from({ length: 14 }, (_, i) => ({ stream: `s-${i % 3}`, events: 100, command: false })), { anchorEvery: 50 })
    await store.close()
    const total = (await backend.head()).sequence
    const checkpoint = await backend.readRange((await backend.lastAnchor())?.sequence ?? 0, 1)
    const treeSize = anchorData(checkpoint[0] as Envelope)?.treeSize ?? 0
    const earlier = (await backend.readStream('ledger-anchors', 1, 1))[0]?.sequence ?? 1
    expect(treeSize).toBeGreaterThan(1024)
    const path = join(scratch(), 'tlog-index.bin')
    const counting = (): ProofSource & { read: number } => {
      const source = {
        read: 0,
        readRange: async (from: number, limit: number) => {
          const page = await backend.readRange(from, limit)
          source.read += page.length
          return page
        },
        lastAnchor: () => backend.lastAnchor(),
        readStream: (stream: string, from: number, limit: number) => backend.readStream(stream, from, limit),
      }
      return source
    }
    const prove = async (proofs: Proofs): Promise<unknown[]> => [await proofs.inclusion(1), await proofs.inclusion(700), await proofs.consistency(earlier - 1, treeSize)].map((p) => JSON.parse(JSON.stringify(p)))

    const first = counting()
    const expected = await prove(new Proofs(first, { tileIndex: tileIndexFile(path) }))
    expect(first.read).toBeGreaterThanOrEqual(total)
    expect(readFileSync(path).length).toBe(Math.floor(total / 256) * 32)
    for (const proof of expected) expect(checkProof(proof, ledgerKey, nativeCrypto)).toMatchObject({ ok: true })

    // A restart with the index: only the events after its tiles (and the tiles the proofs load) are read.
    const second = counting()
    const rebuilt: string[] = []
    expect(await prove(new Proofs(second, { tileIndex: tileIndexFile(path), onIndexRebuilt: (reason) => rebuilt.push(reason) }))).toEqual(expected)
    expect(rebuilt).toEqual([])
    expect(second.read).toBeLessThan(total / 2)

    // Roots beyond the latest checkpoint are not trusted: dropped and read again from the log.
    appendFileSync(path, new Uint8Array(96).fill(9))
    const third = counting()
    expect(await prove(new Proofs(third, { tileIndex: tileIndexFile(path), onIndexRebuilt: (reason) => rebuilt.push(reason) }))).toEqual(expected)
    expect(rebuilt).toEqual([])
    expect(readFileSync(path).length).toBe(Math.floor(total / 256) * 32)

    // A root altered under the checkpoint: the signed root does not match, the index is rebuilt from the whole log.
    const good = readFileSync(path)
    const bytes = Buffer.from(good)
    bytes[40] = (bytes[40] as number) ^ 1
    writeFileSync(path, bytes)
    const fourth = counting()
    expect(await prove(new Proofs(fourth, { tileIndex: tileIndexFile(path), onIndexRebuilt: (reason) => rebuilt.push(reason) }))).toEqual(expected)
    expect(rebuilt).toHaveLength(1)
    expect(rebuilt[0]).toMatch(/does not give the root of the checkpoint of size \d+; rebuilt from the log/)
    expect(fourth.read).toBeGreaterThanOrEqual(total)
    expect(readFileSync(path).equals(good)).toBe(true)
  })
})
