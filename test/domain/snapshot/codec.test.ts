/**
 * The state snapshot codec: canonical bytes, kinds and orders restored, and, over random economy
 * histories with adversarial actors (wrong reveals, spam, slashes, appeals, vetoed proposals), a
 * snapshot at any point plus the fold of the tail is byte for byte the full replay, and the
 * restored state decides every later command exactly as the replayed one.
 */
import fc from 'fast-check'
import { List as IList, Map as IMap, OrderedMap as IOrderedMap, OrderedSet as IOrderedSet, Set as ISet } from 'immutable'
import { describe, expect, it } from 'vitest'
import { canonicalize } from '../../../domain/canonical/jcs.js'
import type { JsonValue } from '../../../domain/json.js'
import { fold } from '../../../domain/decider.js'
import { economyDecider } from '../../../domain/economy/decider.js'
import type { EconomyState } from '../../../domain/economy/state.js'
import { decodeSnapshot, encodeSnapshot, snapshotChunks, snapshotHash, SnapshotFormatError, SNAPSHOT_FORMAT, type SnapshotDocument } from '../../../domain/snapshot/codec.js'
import { actionsArb, initialWorld, play, preambleLog, type Step, type World } from '../rewards/random-economy.js'

const HEAD = 'ab'.repeat(32)

function doc<S>(state: S, sequence = 7, streams: ReadonlyMap<string, number> = new Map([['s', 1]])): SnapshotDocument<S> {
  return { format: SNAPSHOT_FORMAT, ledger: 'cd'.repeat(32), vertical: 'economy', sequence, headHash: HEAD, software: 'model-ledger@test', state, streams }
}

const bytesOf = (state: unknown): string => encodeSnapshot(doc(state))
const roundTrip = <S>(state: S): S => decodeSnapshot<S>(bytesOf(state)).state

describe('the state snapshot codec', () => {
  it('writes RFC 8785 canonical JSON, and restoring then encoding gives the same bytes', () => {
    const state = { b: 1n, a: [1, 'x', null, true, undefined], c: IMap([['k', { z: 2, y: -3n }]]), e: new Map([[2, 'two']]), f: 0.1 }
    const text = bytesOf(state)
    expect(canonicalize(JSON.parse(text) as JsonValue)).toBe(text)
    expect(bytesOf(decodeSnapshot(text).state)).toBe(text)
    expect(snapshotHash(text)).toBe(snapshotHash(new TextEncoder().encode(text)))
  })

  it('restores every kind as the same kind, collections in the same order, undefined apart from absent', () => {
    const state = {
      second: 1,
      first: { present: undefined },
      absent: {},
      '10': 'integer-like keys first, as JavaScript orders them',
      money: -12345678901234567890n,
      numbers: [0, -0, 1.5e-7, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53 - 1],
      native: new Map<unknown, unknown>([['b', 1], [3, 'c'], ['a', new Set(['y', 'x'])]]),
      imap: IMap([['b', 1], ['a', 2]]),
      ordered: IOrderedMap([['z', 1], ['a', 2], ['m', 3]]),
      oset: IOrderedSet(['q', 'b']),
      iset: ISet(Array.from({ length: 12 }, (_, i) => `v${i}`)),
      list: IList([{ sequence: 1 }, { sequence: 2 }]),
      nested: IMap([['outer', IOrderedMap([['inner', IList([1n])]])]]),
    }
    const back = roundTrip(state)
    // Members come back sorted (RFC 8785 order); the same members.
    expect(Object.keys(back).sort()).toEqual(Object.keys(state).sort())
    expect(bytesOf({ b: 1, a: 2 })).toBe(bytesOf({ a: 2, b: 1 }))
    expect('present' in back.first && back.first.present === undefined).toBe(true)
    expect('present' in back.absent).toBe(false)
    expect(back.money).toBe(state.money)
    expect(Object.is(back.numbers[1], -0)).toBe(true)
    expect(back.numbers[3]).toBeNaN()
    expect(back.native).toBeInstanceOf(Map)
    expect([...back.native.keys()]).toEqual(['b', 3, 'a'])
    expect(back.native.get('a')).toBeInstanceOf(Set)
    expect(IMap.isMap(back.imap) && !IOrderedMap.isOrderedMap(back.imap)).toBe(true)
    expect(IOrderedMap.isOrderedMap(back.ordered)).toBe(true)
    expect([...back.ordered.keys()]).toEqual(['z', 'a', 'm'])
    expect(IOrderedSet.isOrderedSet(back.oset)).toBe(true)
    expect([...back.oset]).toEqual(['q', 'b'])
    expect(ISet.isSet(back.iset) && [...back.iset]).toEqual([...state.iset])
    expect(IList.isList(back.list)).toBe(true)
    expect(IOrderedMap.isOrderedMap(back.nested.get('outer'))).toBe(true)
    expect(bytesOf(back)).toBe(bytesOf(state))
  })

  it('hands out the same bytes in chunks of any size', () => {
    const state = { m: IMap(Array.from({ length: 500 }, (_, i) => [`key-${i}`, { n: BigInt(i), s: 'é'.repeat(i % 7) }])) }
    const whole = bytesOf(state)
    for (const size of [1, 7, 100, 4096]) {
      const next = snapshotChunks(doc(state), size)
      let text = ''
      for (let chunk = next(); chunk !== undefined; chunk = next()) text += chunk
      expect(text).toBe(whole)
    }
  })

  it('refuses what it cannot restore, and bytes it did not write', () => {
    expect(() => bytesOf({ at: new Date(0) })).toThrow(SnapshotFormatError)
    expect(() => bytesOf({ f: () => 1 })).toThrow(SnapshotFormatError)
    expect(() => bytesOf({ s: '\uD800' })).toThrow(SnapshotFormatError)
    const holed: number[] = [1]
    holed[2] = 3
    expect(() => bytesOf({ a: holed })).toThrow(SnapshotFormatError)
    const text = bytesOf({ m: IMap(Array.from({ length: 12 }, (_, i) => [`k${i}`, i])) })
    const parsed = JSON.parse(text) as { state: unknown[] }
    // Swap two keys of the hash-ordered map: it would not iterate in the recorded order.
    const m = (parsed.state as [string, string, unknown[]])[2]
    ;[m[2], m[4]] = [m[4], m[2]]
    expect(() => decodeSnapshot(JSON.stringify(parsed))).toThrow(/recorded order/)
    expect(() => decodeSnapshot(text.replace(SNAPSHOT_FORMAT, 'model-ledger/state-snapshot@9'))).toThrow(/format/)
    expect(() => decodeSnapshot(bytesOf({ a: 1, b: 2 }).replace('"a",1,"b",2', '"b",2,"a",1'))).toThrow(/out of order/)
    expect(() => decodeSnapshot(text.replace('"state":', '"extra":1,"state":'))).toThrow(/members/)
  })
})

/** The economy's recorded log, preamble included, after the world's actions. */
const fullLog = (w: World) => [...preambleLog(), ...w.log]
const outcomeOf = (step: Step) => (step.refused === undefined ? { events: step.recorded } : { refused: step.refused })

describe('economy snapshots over random histories', () => {
  it('a snapshot at any sequence plus the fold of the tail is byte for byte the full replay', () => {
    fc.assert(
      fc.property(actionsArb, fc.double({ min: 0, max: 1, noNaN: true }), (actions, at) => {
        const w = play(actions)
        const log = fullLog(w)
        const k = Math.floor(at * log.length)
        const atK = fold(economyDecider.evolve, economyDecider.initialState, log.slice(0, k))
        const text = encodeSnapshot(doc(atK, k))
        const restored = decodeSnapshot<EconomyState>(text)
        expect(encodeSnapshot(doc(restored.state, k))).toBe(text)
        const resumed = fold(economyDecider.evolve, restored.state, log.slice(k))
        const replayed = fold(economyDecider.evolve, economyDecider.initialState, log)
        expect(encodeSnapshot(doc(resumed, log.length))).toBe(encodeSnapshot(doc(replayed, log.length)))
        expect(resumed).toEqual(replayed)
      }),
      { numRuns: 60 },
    )
  })

  it('the restored state decides every later command exactly as the replayed one', () => {
    fc.assert(
      fc.property(actionsArb, fc.nat(), (actions, cut) => {
        const k = cut % (actions.length + 1)
        const w = play(actions.slice(0, k))
        const restored: World = { ...w, state: decodeSnapshot<EconomyState>(encodeSnapshot(doc(w.state))).state }
        const original: unknown[] = []
        const fromSnapshot: unknown[] = []
        const end = play(actions.slice(k), (step) => void original.push(outcomeOf(step)), w)
        const endRestored = play(actions.slice(k), (step) => void fromSnapshot.push(outcomeOf(step)), restored)
        expect(fromSnapshot).toEqual(original)
        expect(bytesOf(endRestored.state)).toBe(bytesOf(end.state))
      }),
      { numRuns: 60 },
    )
  })

  it('the initial world survives a snapshot unchanged', () => {
    expect(bytesOf(roundTrip(initialWorld.state))).toBe(bytesOf(initialWorld.state))
  })
})
