import { describe, expect, it } from 'vitest'
import type { AnchorData } from '../../../domain/ledger/anchor.js'
import { ChainChecker } from '../../../domain/ledger/chain-check.js'
import { ZERO_HASH } from '../../../domain/ledger/envelope.js'
import { KeyChain } from '../../../domain/ledger/key-rotation.js'
import type { EventFacts } from '../../../domain/ledger/line-check.js'
import { nativeSha256 } from '../../../infrastructure/crypto/native.js'

// The chain checker fed facts as the line check would give them (signatures already checked there),
// to reach the rules about the order of keys without building a log that breaks nothing else.
const G = 'a'.repeat(64)
const K1 = 'b'.repeat(64)
const K2 = 'c'.repeat(64)
const hashOf = (n: number) => n.toString(16).padStart(64, '0')

function facts(sequence: number, signer: string, extra: Partial<EventFacts> = {}): EventFacts {
  return {
    kind: 'event',
    sequence,
    stream: 'thing-1',
    streamVersion: sequence,
    type: 'ThingHappened',
    recordedAt: '2026-11-01T00:00:00.000Z',
    prevHash: sequence === 1 ? ZERO_HASH : hashOf(sequence - 1),
    hash: hashOf(sequence),
    signer,
    commandHash: null,
    causeActor: null,
    causeSignature: null,
    anchor: null,
    rotation: null,
    ...extra,
  }
}

const rotation = (sequence: number, from: string, to: string) => facts(sequence, from, { stream: 'ledger-keys', streamVersion: 1, type: 'LedgerKeyRotated', rotation: { previousKey: from, newKey: to } })
const checkpoint = (sequence: number, signer: string, keys: readonly string[]) =>
  facts(sequence, signer, { stream: 'ledger-anchors', streamVersion: 1, type: 'LedgerAnchored', anchor: { signatures: keys.map((key) => ({ key, signature: '0'.repeat(128) })) } as unknown as AnchorData })

describe('the chain checker follows the keys', () => {
  it('refuses an event after a rotation that is not a checkpoint', () => {
    const checker = new ChainChecker(nativeSha256, G)
    expect(checker.accept(facts(1, G))).toBeUndefined()
    expect(checker.accept(rotation(2, G, K1))).toBeUndefined()
    expect(checker.accept(facts(3, K1))).toMatchObject({ sequence: 3, reason: expect.stringMatching(/rotation at sequence 2 must be followed directly by a checkpoint/) })
  })

  it('refuses the checkpoint after a rotation when the outgoing key did not sign its note', () => {
    const checker = new ChainChecker(nativeSha256, G)
    checker.accept(facts(1, G))
    checker.accept(rotation(2, G, K1))
    expect(checker.accept(checkpoint(3, K1, [K1]))).toMatchObject({ sequence: 3, reason: expect.stringMatching(`not signed by the outgoing key ${G}`) })
  })

  it('refuses the checkpoint after a rotation signed by the outgoing key instead of the new one', () => {
    const checker = new ChainChecker(nativeSha256, G)
    checker.accept(facts(1, G))
    checker.accept(rotation(2, G, K1))
    expect(checker.accept(checkpoint(3, G, [K1, G]))).toMatchObject({ sequence: 3, reason: expect.stringMatching(`which is not the ledger key ${K1}`) })
  })

  it('refuses a log that ends between a rotation and its checkpoint', () => {
    const checker = new ChainChecker(nativeSha256, G)
    checker.accept(facts(1, G))
    checker.accept(rotation(2, G, K1))
    expect(checker.finish().failure).toMatchObject({ sequence: 3, reason: expect.stringMatching(/ends after the key rotation at sequence 2/) })
  })

  it('refuses a rotation handed over by a key not in force', () => {
    const checker = new ChainChecker(nativeSha256, G)
    checker.accept(facts(1, G))
    // Signed by the key in force, but claiming another outgoing key (the line check refuses a signer that differs from previousKey; the chain refuses both).
    expect(checker.accept(rotation(2, K2, K1))).toMatchObject({ sequence: 2, reason: expect.stringMatching(`which is not the ledger key ${G}`) })
  })
})

describe('KeyChain', () => {
  it('knows which key signs at each sequence, and refuses a rotation back to an earlier key', () => {
    const chain = new KeyChain({ publicKey: G, since: 1 })
    expect(chain.check(4, { previousKey: G, newKey: K1 })).toBeUndefined()
    chain.follow(4, { newKey: K1 })
    expect(chain.check(9, { previousKey: K1, newKey: G })).toMatch(/returns to .* a key this ledger used before/)
    expect(chain.check(9, { previousKey: G, newKey: K2 })).toMatch(/hands over from .* but the key in force is/)
    expect(chain.check(3, { previousKey: K1, newKey: K2 })).toMatch(/comes before the key in force since 5/)
    expect(chain.check(9, { previousKey: K1, newKey: K2 })).toBeUndefined()
    chain.follow(9, { newKey: K2 })
    expect([chain.at(1), chain.at(4), chain.at(5), chain.at(10), chain.at(0)]).toEqual([G, G, K1, K2, undefined])
    expect(chain.current).toEqual({ publicKey: K2, since: 10 })
  })
})
