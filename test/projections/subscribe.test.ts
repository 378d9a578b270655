/**
 * In-process subscriptions: filters by type and stream prefix, typed decoded events, resume from a
 * saved position with nothing missed or repeated, live delivery, and backpressure (the log is read
 * a page at a time, only as the consumer pulls).
 */
import { describe, expect, it } from 'vitest'
import { Expected } from '../../domain/ports/event-store.js'
import { tokens } from '../../domain/governance/amounts.js'
import { manualClock } from '../../infrastructure/clock.js'
import { nativeEd25519 } from '../../infrastructure/crypto/native.js'
import type { StorageBackend } from '../../infrastructure/store/backend.js'
import { openLedgerStore } from '../../infrastructure/store/ledger-store.js'
import { createMemoryBackend } from '../../infrastructure/store/memory-backend.js'
import { subscribe } from '../../projections/subscribe.js'
import { preamble } from '../domain/governance/random-commands.js'
import { ALICE, BOB, cmd } from '../domain/governance/fixtures.js'
import { ledgerSeed, noise, openTestLedger, run } from './support.js'

async function take<T>(source: AsyncIterable<T>, n: number): Promise<T[]> {
  const out: T[] = []
  if (n === 0) return out
  for await (const item of source) {
    out.push(item)
    if (out.length >= n) break
  }
  return out
}

describe('subscribe', () => {
  it('yields typed, decoded events filtered by type and stream prefix', async () => {
    const ledger = await openTestLedger()
    for (const command of preamble) await run(ledger, command)
    await noise(ledger, 1)
    await run(ledger, cmd.transfer(ALICE, BOB, tokens(3)))
    const sub = subscribe(ledger.store, { types: ['OpenReceived', 'OpenWrapped'], streamPrefix: `account-${BOB}` })
    const got = await take(sub, 2)
    sub.close()
    expect(got.map((d) => d.event.type)).toEqual(['OpenWrapped', 'OpenReceived'])
    const received = got[1]?.event
    // Typed: amounts arrive as bigint, decoded by the governance codecs.
    if (received?.type !== 'OpenReceived') throw new Error('expected OpenReceived')
    expect(received.data.amount).toBe(tokens(3))
    expect(got.every((d) => d.stream === `account-${BOB}`)).toBe(true)
  })

  it('resumes from a saved position with no gap and no repeat, then follows live appends', async () => {
    const ledger = await openTestLedger(undefined, 1000)
    for (let n = 0; n < 10; n++) await noise(ledger, n)
    const first = subscribe(ledger.store, { streamPrefix: 'datanet-d1' })
    const seen = (await take(first, 2)).map((d) => d.sequence)
    const position = first.position
    first.close()
    const resumed = subscribe(ledger.store, { from: position + 1, streamPrefix: 'datanet-d1' })
    const rest = take(resumed, 3)
    for (let n = 10; n < 16; n++) await noise(ledger, n)
    const later = (await rest).map((d) => d.sequence)
    resumed.close()
    const all = [...seen, ...later]
    expect(all).toEqual([2, 5, 8, 11, 14].slice(0, all.length))
    expect(all).toHaveLength(5)
  })

  it('reads ahead no more than a page: a slow consumer does not pull the log into memory', async () => {
    const inner = createMemoryBackend()
    let read = 0
    const counted: StorageBackend = {
      ...inner,
      async readRange(from, limit) {
        const page = await inner.readRange(from, limit)
        read += page.length
        return page
      },
    }
    const store = await openLedgerStore({ backend: counted, signer: nativeEd25519.signer(ledgerSeed), anchorEvery: 100_000, anchorIntervalMs: 0, clock: manualClock() })
    for (let i = 0; i < 5; i++) {
      const events = Array.from({ length: 1000 }, (_, n) => ({ type: 'Placed', data: { n } }))
      await store.append({ writes: [{ stream: 'order-x', expected: Expected.any, events }], reason: 'test' })
    }
    read = 0
    const sub = subscribe(store, { types: ['Placed'] })
    const got = await take(sub, 10)
    expect(got).toHaveLength(10)
    expect(read).toBeLessThanOrEqual(1000)
    sub.close()
    await store.close()
  })
})
