/**
 * The store's side of pipelining (AppendRequest.after): a request decided on top of another that
 * has not committed lands only if that one's events are the last before it and it starts at the
 * predicted sequence. Anything between (an anchor, another append), or a predecessor that was
 * refused or turned out a duplicate, refuses it, whatever its own expected versions say.
 */
import { describe, expect, it } from 'vitest'
import { Expected, type AppendRequest, type EventStore } from '../../../domain/ports/event-store.js'
import { openLedgerStore } from '../../../infrastructure/store/ledger-store.js'
import { createMemoryBackend } from '../../../infrastructure/store/memory-backend.js'
import { command, ledgerSigner } from './support.js'

const write = (stream: string, expected = Expected.any): AppendRequest['writes'][number] => ({ stream, expected, events: [{ type: 'Placed', data: { stream } }] })
const open = (): Promise<EventStore> => openLedgerStore({ backend: createMemoryBackend(), signer: ledgerSigner, anchorIntervalMs: 0 })
const pipelineRefusal = { code: 'wrong-expected-version', details: { pipeline: true } }

describe('pipelined appends (after)', () => {
  it('lands right after its predecessor, queued before that one committed', async () => {
    const store = await open()
    const first: AppendRequest = { writes: [write('order-1')] }
    const second: AppendRequest = { writes: [write('order-2')], after: { request: first, sequence: 2 } }
    const third: AppendRequest = { writes: [write('order-3')], after: { request: second, sequence: 3 } }
    const results = await Promise.all([store.append(first), store.append(second), store.append(third)])
    expect(results.map((r) => r.firstSequence)).toEqual([1, 2, 3])
    await store.close()
  })

  it('is refused when anything lies between: another append, an anchor, or a wrong predicted sequence', async () => {
    const store = await open()
    const first: AppendRequest = { writes: [write('order-1')] }
    await store.append(first)
    await store.append({ writes: [write('order-9')] })
    await expect(store.append({ writes: [write('order-2')], after: { request: first, sequence: 3 } })).rejects.toMatchObject(pipelineRefusal)
    const second: AppendRequest = { writes: [write('order-2')] }
    await store.append(second)
    await store.sealAnchor()
    await expect(store.append({ writes: [write('order-3')], after: { request: second, sequence: 5 } })).rejects.toMatchObject(pipelineRefusal)
    const third: AppendRequest = { writes: [write('order-3')] }
    const landed = await store.append(third)
    await expect(store.append({ writes: [write('order-4')], after: { request: third, sequence: landed.lastSequence + 2 } })).rejects.toMatchObject(pipelineRefusal)
    await expect(store.append({ writes: [write('order-4')], after: { request: third, sequence: 0 } })).rejects.toMatchObject({ code: 'malformed' })
    await store.close()
  })

  it('is refused when its predecessor was refused or was a duplicate, though its own expected versions hold', async () => {
    const store = await open()
    await store.append({ writes: [write('order-1')] })
    const refused: AppendRequest = { writes: [write('order-1', Expected.none)] }
    const follower: AppendRequest = { writes: [write('order-2', Expected.none)], after: { request: refused, sequence: 2 } }
    const [a, b] = await Promise.allSettled([store.append(refused), store.append(follower)])
    expect(a).toMatchObject({ status: 'rejected', reason: { code: 'wrong-expected-version' } })
    expect(b).toMatchObject({ status: 'rejected', reason: pipelineRefusal })

    const signed = command({ n: 1 })
    await store.append({ writes: [write('order-5')], command: signed })
    const resend: AppendRequest = { writes: [write('order-5')], command: signed }
    const onResend: AppendRequest = { writes: [write('order-6')], after: { request: resend, sequence: 4 } }
    const [c, d] = await Promise.allSettled([store.append(resend), store.append(onResend)])
    expect(c).toMatchObject({ status: 'fulfilled', value: { duplicate: true } })
    expect(d).toMatchObject({ status: 'rejected', reason: pipelineRefusal })
    expect((await store.head()).sequence).toBe(2)
    await store.close()
  })
})
