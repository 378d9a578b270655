import { sha256 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { signCheckpoint } from '../../../domain/tlog/checkpoint.js'
import { DenseTree } from '../../../domain/tlog/dense-tree.js'
import { emptyRoot, equalHashes, leafHash } from '../../../domain/tlog/hash.js'
import { ed25519NoteVerifier, signatureLine, ed25519NoteSigner } from '../../../domain/tlog/note.js'
import { consistencyProof } from '../../../domain/tlog/proof.js'
import {
  formatAddCheckpoint,
  judgeAddCheckpoint,
  MAX_PROOF_LINES,
  parseAddCheckpoint,
  parseSizeBody,
  type CosignedHead,
  type Judgement,
  type WitnessView,
} from '../../../domain/tlog/witness.js'
import { nativeCrypto } from '../../../infrastructure/crypto/native.js'

// The native suite: the property below signs and verifies thousands of checkpoints.
const crypto = nativeCrypto
const ed25519 = nativeCrypto.ed25519
const ORIGIN = 'log.example/w'
const logKey = ed25519.signer(new Uint8Array(32).fill(0x11))
const verifiers = [ed25519NoteVerifier(ORIGIN, logKey.publicKey, crypto)]
const enc = new TextEncoder()

/** A tree over leaves `tag-0, tag-1, …`: two tags share no leaf, so their trees fork at once. */
function tree(size: number, tag = 'a', shared = 0): DenseTree {
  const t = new DenseTree(sha256)
  for (let i = 0; i < size; i++) t.append(leafHash(enc.encode(`${i < shared ? 'a' : tag}-${i}`)))
  return t
}

function view(latest: CosignedHead | undefined): WitnessView {
  return { verifiersOf: (origin) => (origin === ORIGIN ? verifiers : undefined), latest: () => latest }
}

function submit(oldSize: number, t: DenseTree, size: number, latest: CosignedHead | undefined, proof = consistencyProof(t, oldSize, size, sha256)): Judgement {
  const note = signCheckpoint(ORIGIN, size, t.root(size), logKey, crypto)
  const request = parseAddCheckpoint(enc.encode(formatAddCheckpoint(oldSize, proof, note)))
  if (!request.ok) throw new Error(request.reason)
  return judgeAddCheckpoint(request.value, view(latest), sha256)
}

const head = (t: DenseTree, size: number): CosignedHead => ({ size, root: t.root(size) })

describe('add-checkpoint: what the witness accepts', () => {
  it('a first checkpoint from old size 0, with no proof', () => {
    const result = submit(0, tree(5), 5, undefined)
    expect(result.ok && result.value.checkpoint.size).toBe(5)
    expect(result.ok && result.value.logSignatures.map((s) => s.name)).toEqual([ORIGIN])
  })

  it('growth with a valid consistency proof from the size it cosigned', () => {
    const t = tree(100)
    for (const [from, to] of [[5, 6], [5, 100], [64, 100], [1, 2], [99, 100]] as const) {
      expect(submit(from, t, to, head(t, from)).ok).toBe(true)
    }
  })

  it('the same checkpoint again (equal sizes, equal roots, empty proof)', () => {
    const t = tree(7)
    expect(submit(7, t, 7, head(t, 7)).ok).toBe(true)
  })

  it('the empty tree, with the empty root', () => {
    expect(submit(0, tree(0), 0, undefined).ok).toBe(true)
  })
})

describe('add-checkpoint: what the witness refuses, with the spec\'s status', () => {
  const t = tree(20)

  it('an old size that is not the one it cosigned: 409 with its size', () => {
    const result = submit(0, t, 20, head(t, 8))
    expect(result).toMatchObject({ ok: false, status: 409, code: 'old-size-mismatch', size: 8 })
    expect(submit(8, t, 20, undefined)).toMatchObject({ ok: false, status: 409, size: 0 })
  })

  it('a rollback: old size above the checkpoint size is 400, and a smaller tree from its own size is 409', () => {
    expect(submit(12, t, 10, head(t, 12), [])).toMatchObject({ ok: false, status: 400, code: 'old-size-too-large' })
    expect(submit(10, t, 10, head(t, 12))).toMatchObject({ ok: false, status: 409, size: 12 })
  })

  it('a bad proof: 422', () => {
    const proof = consistencyProof(t, 8, 20, sha256)
    const bent = proof.map((hash, i) => (i === 1 ? sha256(hash) : hash))
    expect(submit(8, t, 20, head(t, 8), bent)).toMatchObject({ ok: false, status: 422, code: 'inconsistent' })
    expect(submit(8, t, 20, head(t, 8), proof.slice(1))).toMatchObject({ ok: false, status: 422, code: 'inconsistent' })
  })

  it('a fork at the same size: 422', () => {
    expect(submit(20, tree(20, 'b'), 20, head(t, 20))).toMatchObject({ ok: false, status: 422, code: 'inconsistent' })
  })

  it('a fork that grows: a bigger tree not built on the cosigned one is 422, whatever proof comes with it', () => {
    const fork = tree(30, 'b', 10)
    expect(submit(20, fork, 30, head(t, 20))).toMatchObject({ ok: false, status: 422 })
    // Built on the first 10 leaves: consistent with a cosigned size of 10.
    expect(submit(10, fork, 30, head(t, 10)).ok).toBe(true)
  })

  it('a proof from old size 0: 422; a size-0 checkpoint with another root: 422', () => {
    expect(submit(0, t, 20, undefined, [t.root(1)])).toMatchObject({ ok: false, status: 422, code: 'proof-not-empty' })
    const note = signCheckpoint(ORIGIN, 0, sha256(enc.encode('x')), logKey, crypto)
    const request = parseAddCheckpoint(enc.encode(formatAddCheckpoint(0, [], note)))
    expect(request.ok && judgeAddCheckpoint(request.value, view(undefined), sha256)).toMatchObject({ ok: false, status: 422, code: 'bad-empty-root' })
    expect(equalHashes(emptyRoot(sha256), sha256(new Uint8Array()))).toBe(true)
  })

  it('an unknown origin: 404; no known signature or a bad one: 403', () => {
    const other = signCheckpoint('stranger.example/log', 3, t.root(3), logKey, crypto)
    const request = (note: string) => {
      const parsed = parseAddCheckpoint(enc.encode(formatAddCheckpoint(0, [], note)))
      if (!parsed.ok) throw new Error(parsed.reason)
      return judgeAddCheckpoint(parsed.value, view(undefined), sha256)
    }
    expect(request(other)).toMatchObject({ ok: false, status: 404, code: 'unknown-origin' })
    const impostor = ed25519.signer(new Uint8Array(32).fill(0x12))
    expect(request(signCheckpoint(ORIGIN, 3, t.root(3), impostor, crypto))).toMatchObject({ ok: false, status: 403, code: 'no-known-signature' })
    const good = signCheckpoint(ORIGIN, 3, t.root(3), logKey, crypto)
    expect(request(good.replace('\n3\n', '\n4\n'))).toMatchObject({ ok: false, status: 403, code: 'bad-signature' })
    const text = good.slice(0, good.indexOf('\n\n') + 1)
    const forged = signatureLine({ ...ed25519NoteSigner(ORIGIN, impostor, crypto), keyId: verifiers[0]?.keyId ?? 0 }, text)
    expect(request(`${good}${forged}\n`)).toMatchObject({ ok: false, status: 403, code: 'bad-signature' })
  })

  it('a malformed checkpoint: 400', () => {
    const note = signNoteless('log.example/w\n03\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n')
    const parsed = parseAddCheckpoint(enc.encode(formatAddCheckpoint(0, [], note)))
    expect(parsed.ok && judgeAddCheckpoint(parsed.value, view(undefined), sha256)).toMatchObject({ ok: false, status: 400, code: 'malformed-checkpoint' })
  })
})

function signNoteless(text: string): string {
  return `${text}\n${signatureLine(ed25519NoteSigner(ORIGIN, logKey, crypto), text)}\n`
}

describe('add-checkpoint request bodies', () => {
  const note = signCheckpoint(ORIGIN, 3, tree(3).root(), logKey, crypto)
  const hash = 'PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw='

  it('parses the spec\'s shape: old line, proof lines, blank line, note', () => {
    const parsed = parseAddCheckpoint(enc.encode(`old 2\n${hash}\n${hash}\n\n${note}`))
    expect(parsed.ok && parsed.value.oldSize).toBe(2)
    expect(parsed.ok && parsed.value.proof.length).toBe(2)
    expect(parsed.ok && new TextDecoder().decode(parsed.value.note)).toBe(note)
  })

  it.each([
    ['no old line', `\n${note}`],
    ['old with a leading zero', `old 02\n\n${note}`],
    ['old with a sign', `old -1\n\n${note}`],
    ['OLD in capitals', `OLD 2\n\n${note}`],
    ['two spaces', `old  2\n\n${note}`],
    ['a CRLF old line', `old 2\r\n\n${note}`],
    ['a proof line of 31 bytes', `old 2\n${Buffer.alloc(31).toString('base64')}\n\n${note}`],
    ['a proof line in URL-safe base64', `old 2\n${Buffer.alloc(32, 0xff).toString('base64url')}=\n\n${note}`],
    ['no blank line', `old 2\n${hash}`],
    ['64 proof lines', `old 2\n${`${hash}\n`.repeat(MAX_PROOF_LINES + 1)}\n${note}`],
  ])('refuses %s', (_what, body) => {
    expect(parseAddCheckpoint(enc.encode(body)).ok).toBe(false)
  })

  it('accepts 63 proof lines (the proof is then judged), and formats what it parses', () => {
    const body = `old 2\n${`${hash}\n`.repeat(MAX_PROOF_LINES)}\n${note}`
    const parsed = parseAddCheckpoint(enc.encode(body))
    expect(parsed.ok && formatAddCheckpoint(parsed.value.oldSize, parsed.value.proof, note)).toBe(body)
  })

  it('reads the 409 body strictly', () => {
    expect(parseSizeBody('8\n')).toBe(8)
    for (const bad of ['8', '08\n', '8\n\n', ' 8\n', '']) expect(parseSizeBody(bad)).toBeUndefined()
  })
})

describe('a witness facing an adversarial log', () => {
  /**
   * The log keeps two histories, sharing their first `shared` leaves, and signs checkpoints of
   * either at any size, with honest proofs within each history from whatever old size it claims.
   * A witness that stores what it accepts must never accept two heads from different histories
   * beyond the shared prefix, and never a smaller size than one it already cosigned.
   */
  it('never cosigns a fork or a rollback, whatever the order of submissions', () => {
    const a = tree(40, 'a')
    const forks = Array.from({ length: 41 }, (_, shared) => tree(40, 'b', shared))
    const seen = { accepted: 0, refused: 0, grewAfterFork: 0 }
    const step = fc.record({ history: fc.constantFrom('a' as const, 'b' as const), size: fc.nat(40), claimOld: fc.option(fc.nat(40), { nil: undefined }) })
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.array(step, { minLength: 1, maxLength: 25 }), (shared, steps) => {
        const forked = { a, b: forks[shared] as DenseTree }
        let latest: CosignedHead | undefined
        const accepted: Array<{ history: 'a' | 'b'; size: number }> = []
        for (const { history, size, claimOld } of steps) {
          const t = forked[history]
          // The cheater claims the witness's size when it can prove from there, or any size it likes.
          const oldSize = claimOld === undefined ? Math.min(latest?.size ?? 0, size) : Math.min(claimOld, size)
          const result = submit(oldSize, t, size, latest)
          if (!result.ok) {
            seen.refused++
            continue
          }
          seen.accepted++
          if (accepted.some((x) => x.history !== history)) seen.grewAfterFork++
          if (latest !== undefined) expect(size).toBeGreaterThanOrEqual(latest.size)
          latest = { size, root: result.value.checkpoint.root }
          accepted.push({ history, size })
        }
        for (const x of accepted) {
          for (const y of accepted) {
            if (x.size > y.size) continue
            // x's root must be the root of y's history at x's size: one history, append-only.
            expect(equalHashes(forked[x.history].root(x.size), forked[y.history].root(x.size))).toBe(true)
          }
        }
      }),
      { numRuns: 150, seed: 20261130 },
    )
    // Not vacuous: submissions pass and fail, and some pass after the other history's (within the shared prefix).
    expect(seen.accepted).toBeGreaterThan(100)
    expect(seen.refused).toBeGreaterThan(100)
    expect(seen.grewAfterFork).toBeGreaterThan(0)
  })
})
