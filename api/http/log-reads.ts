/** Bounded reads of the log through the EventStore port: pages, single events, the proof source. */
import type { Envelope } from '../../domain/ledger/envelope.js'
import type { EventStore } from '../../domain/ports/event-store.js'
import type { Proofs, ProofSource } from '../../infrastructure/proofs/build-proof.js'
import { LiveLineage } from '../../projections/lineage/live.js'
import type { ReportSource } from '../../projections/lineage/report.js'

async function take(source: AsyncIterable<Envelope>, limit: number): Promise<Envelope[]> {
  const out: Envelope[] = []
  if (limit <= 0) return out
  for await (const envelope of source) {
    out.push(envelope)
    if (out.length >= limit) break
  }
  return out
}

/** One bounded read by sequence (the store's readRange: an indexed range, not a page of the log). */
export function readPage(store: EventStore, from: number, limit: number): Promise<Envelope[]> {
  return store.readRange(Math.max(1, from), limit)
}

export function readStreamPage(store: EventStore, stream: string, fromVersion: number, limit: number): Promise<Envelope[]> {
  return take(store.readStream(stream, { fromVersion: Math.max(1, fromVersion) }), limit)
}

export async function readOne(store: EventStore, sequence: number): Promise<Envelope | undefined> {
  const [envelope] = await readPage(store, sequence, 1)
  return envelope?.sequence === sequence ? envelope : undefined
}

export function proofSource(store: EventStore): ProofSource {
  return {
    readRange: (from, limit) => readPage(store, from, limit),
    readStream: (stream, fromVersion, limit) => readStreamPage(store, stream, fromVersion, limit),
    lastAnchor: async () => {
      const { lastAnchor } = await store.head()
      return lastAnchor.sequence === 0 ? undefined : lastAnchor
    },
  }
}

/** What a lineage report reads through the port: the proof source, the ledger's id and streams by version. */
export function reportSource(store: EventStore): ReportSource {
  return { ...proofSource(store), ledgerKey: async () => store.ledgerPublicKey }
}

/** The process's lineage index over the store, proving from `proofs` (its one tree index). */
export function liveLineage(store: EventStore, proofs: Proofs): LiveLineage {
  return new LiveLineage(reportSource(store), proofs, (stream) => store.streamName?.(stream))
}
