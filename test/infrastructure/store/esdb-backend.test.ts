/**
 * The EventStoreDB adapter. No server runs here, so: the mapping's pure functions, and the whole
 * conformance suite over a fake client that keeps ESDB's rules (atomic appends, expected
 * revisions, link resolution). Against a real KurrentDB the suite runs when
 * EVENTSTORE_CONNECTION_STRING is set (docs/operations.md shows the container to start).
 */
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { Expected } from '../../../domain/ports/event-store.js'
import { createEsdbBackend, parseEsdbUrl } from '../../../infrastructure/store/esdb-backend.js'
import { RevisionConflict, type EsdbClient } from '../../../infrastructure/store/esdb/client.js'
import {
  chainEvent, chainMetadata, checkpointToPosition, envelopeText, esdbNames, expectedAfter, LINK_TYPE, linkEvent, positionToCheckpoint, revisionToSequence, sequenceToRevision, type EsdbEvent,
} from '../../../infrastructure/store/esdb/mapping.js'
import { openLedgerStore } from '../../../infrastructure/store/ledger-store.js'
import { describeEventStore } from './conformance.js'
import { collect, command, ledgerSigner } from './support.js'

/** An in-memory ESDB: streams of events, appends checked against the expected revision, links resolved on read. */
function fakeEsdb(): EsdbClient & { streams: Map<string, EsdbEvent[]> } {
  const streams = new Map<string, EsdbEvent[]>()
  const watchers = new Set<{ prefix: string; onEvent: () => void }>()
  const resolve = (event: EsdbEvent): EsdbEvent => {
    if (event.type !== LINK_TYPE) return event
    const [revision, stream] = new TextDecoder().decode(event.data).split('@') as [string, string]
    return streams.get(stream)?.[Number(revision)] ?? event
  }
  return {
    streams,
    async append(stream, events, expected) {
      const current = streams.get(stream) ?? []
      const ok = expected === 'any' || (expected === 'no_stream' ? current.length === 0 : BigInt(current.length - 1) === expected)
      if (!ok) throw new RevisionConflict(`${stream} is at ${current.length - 1}, expected ${String(expected)}`)
      streams.set(stream, [...current, ...events])
      for (const w of watchers) if (stream.startsWith(w.prefix)) setImmediate(w.onEvent)
    },
    async read(stream, { from, backwards = false, maxCount }) {
      const all = streams.get(stream) ?? []
      const start = from === 'start' ? 0 : from === 'end' ? all.length - 1 : Number(from)
      const slice = backwards ? all.slice(Math.max(0, start - maxCount + 1), start + 1).reverse() : all.slice(start, start + maxCount)
      return slice.map(resolve)
    },
    subscribe(prefix, onEvent) {
      const watcher = { prefix, onEvent }
      watchers.add(watcher)
      return { stop: async () => void watchers.delete(watcher) }
    },
    close: async () => undefined,
  }
}

describe('ESDB mapping', () => {
  it('names the chain, stream, command and index streams under one prefix', () => {
    const names = esdbNames('ml')
    expect([names.chain, names.indexed, names.meta, names.stream('order-1'), names.command('ab')]).toEqual(['ml:chain', 'ml:indexed', 'ml:meta', 'ml:s:order-1', 'ml:c:ab'])
  })

  it('translates sequences and versions to revisions and expected revisions', () => {
    expect(expectedAfter(0)).toBe('no_stream')
    expect(expectedAfter(1)).toBe(0n)
    expect(expectedAfter(42)).toBe(41n)
    expect(sequenceToRevision(1)).toBe(0n)
    expect(revisionToSequence(9n)).toBe(10)
  })

  it('stores the canonical bytes as data and the place in the ledger as metadata', () => {
    const envelope = { sequence: 7, stream: 'order-1', streamVersion: 3, type: 'Placed' } as unknown as Parameters<typeof chainEvent>[0]
    const event = chainEvent(envelope, '{"a":1}')
    expect(event.type).toBe('Placed')
    expect(envelopeText(event)).toBe('{"a":1}')
    expect(chainMetadata(event)).toEqual({ sequence: 7, stream: 'order-1', streamVersion: 3 })
    expect(new TextDecoder().decode(linkEvent('ml:chain', 7).data)).toBe('6@ml:chain')
  })

  it('round-trips positions as checkpoints, and splits the prefix off the URL', () => {
    expect(checkpointToPosition(positionToCheckpoint({ commit: 12n, prepare: 10n }))).toEqual({ commit: 12n, prepare: 10n })
    expect(() => checkpointToPosition('x')).toThrow(/position/)
    expect(parseEsdbUrl('esdb://localhost:2113?tls=false&prefix=ml')).toEqual({ connectionString: 'esdb://localhost:2113?tls=false', prefix: 'ml' })
    expect(parseEsdbUrl('esdb://a:2113').prefix).toBe('model-ledger')
  })
})

describeEventStore('esdb (fake client)', () => {
  const client = fakeEsdb()
  return { backend: () => createEsdbBackend('esdb://fake', { client }), dispose: async () => undefined }
})

describe('ESDB adapter over the fake client', () => {
  it('commits a command in the same append as its events, and repairs links a dead writer left unwritten', async () => {
    const client = fakeEsdb()
    const store = await openLedgerStore({ backend: createEsdbBackend('esdb://fake?prefix=t', { client }), signer: ledgerSigner, anchorIntervalMs: 0 })
    const signed = command()
    await store.append({ writes: [{ stream: 'order-1', expected: Expected.none, events: [{ type: 'Placed', data: {} }, { type: 'Paid', data: {} }] }], command: signed })
    const chain = client.streams.get('t:chain') ?? []
    expect(chain.map((e) => chainMetadata(e).command?.signed ?? null)).toEqual([signed, null])
    // Forget the derived streams, as if the writer died right after the chain append.
    for (const name of [...client.streams.keys()]) if (name !== 't:chain' && name !== 't:meta') client.streams.delete(name)
    const reopened = await openLedgerStore({ backend: createEsdbBackend('esdb://fake?prefix=t', { client }), signer: ledgerSigner, anchorIntervalMs: 0 })
    expect(await reopened.streamVersion('order-1')).toBe(2)
    expect((await reopened.append({ writes: [{ stream: 'order-1', expected: Expected.any, events: [{ type: 'Placed', data: {} }] }], command: signed })).duplicate).toBe(true)
    expect((await collect(reopened.readStream('order-1'))).map((e) => e.type)).toEqual(['Placed', 'Paid'])
    await reopened.close()
  })
})

const live = process.env.EVENTSTORE_CONNECTION_STRING
if (live === undefined) {
  describe.skip('EventStore conformance: esdb (real server): set EVENTSTORE_CONNECTION_STRING to run (docs/operations.md)', () => {
    it('needs a server', () => undefined)
  })
} else {
  describeEventStore('esdb (real server)', () => {
    const url = `${live}${live.includes('?') ? '&' : '?'}prefix=t${randomBytes(6).toString('hex')}`
    const opened: ReturnType<typeof createEsdbBackend>[] = []
    return {
      backend() {
        const backend = createEsdbBackend(url)
        opened.push(backend)
        return backend
      },
      async dispose() {
        for (const backend of opened) await backend.close()
      },
    }
  })
}
