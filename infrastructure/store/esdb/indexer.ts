/**
 * Writes the derived ESDB streams (per-ledger-stream links, command links) for chain events not
 * yet indexed. Idempotent: a link append that meets a revision conflict was written already by
 * another process (the chain is the one truth, so the link at that revision is the same).
 */
import { nonceKey } from '../../../domain/ledger/command.js'
import { RevisionConflict, type EsdbClient } from './client.js'
import { chainMetadata, expectedAfter, indexedEvent, linkEvent, parseIndexed, type EsdbNames } from './mapping.js'

const PAGE = 500

async function appendOnce(client: EsdbClient, stream: string, link: Parameters<EsdbClient['append']>[1][number], expected: ReturnType<typeof expectedAfter>): Promise<void> {
  try {
    await client.append(stream, [link], expected)
  } catch (error) {
    if (!(error instanceof RevisionConflict)) throw error
  }
}

export interface Indexer {
  /** Indexes every chain event up to `head` (a sequence); cheap when already there. */
  catchUp(head: number): Promise<void>
}

export function createIndexer(client: EsdbClient, names: EsdbNames): Indexer {
  let indexed: number | undefined
  let running: Promise<void> = Promise.resolve()

  async function load(): Promise<number> {
    const [last] = await client.read(names.indexed, { from: 'end', backwards: true, maxCount: 1 })
    return last === undefined ? 0 : parseIndexed(last)
  }

  async function run(head: number): Promise<void> {
    indexed ??= await load()
    while (indexed < head) {
      const page = await client.read(names.chain, { from: BigInt(indexed), maxCount: PAGE })
      if (page.length === 0) return
      for (const event of page) {
        const meta = chainMetadata(event)
        await appendOnce(client, names.stream(meta.stream), linkEvent(names.chain, meta.sequence), expectedAfter(meta.streamVersion - 1))
        if (meta.command !== undefined) {
          await appendOnce(client, names.command(meta.command.hash), linkEvent(names.chain, meta.sequence), 'no_stream')
          await appendOnce(client, names.nonce(nonceKey(meta.command.signed.command)), linkEvent(names.chain, meta.sequence), 'no_stream')
        }
      }
      indexed += page.length
      await client.append(names.indexed, [indexedEvent(indexed)], 'any')
    }
  }

  return {
    catchUp(head) {
      // One catch-up at a time in this process; callers queue behind it.
      running = running.then(() => run(head), () => run(head))
      return running
    },
  }
}
