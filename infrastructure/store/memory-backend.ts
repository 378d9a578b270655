/** An in-memory backend: the reference for the conformance suite and a fast store for tests. */
import { canonicalize } from '../../domain/canonical/jcs.js'
import type { JsonValue } from '../../domain/json.js'
import type { Envelope } from '../../domain/ledger/envelope.js'
import { ZERO_HASH } from '../../domain/ledger/envelope.js'
import { isAnchor } from '../../domain/ledger/anchor.js'
import { nonceKey, type SignedCommand } from '../../domain/ledger/command.js'
import { StaleHeadError, type SealedBatch, type StorageBackend, type StoredCommand, type StoredHead } from './backend.js'

/** The entries of `map` for those of `keys` it holds. */
function present<V>(map: ReadonlyMap<string, V>, keys: readonly string[]): Map<string, V> {
  const found = new Map<string, V>()
  for (const key of keys) {
    const value = map.get(key)
    if (value !== undefined) found.set(key, value)
  }
  return found
}

export function createMemoryBackend(): StorageBackend {
  const events: Envelope[] = []
  const streams = new Map<string, number[]>()
  const commands = new Map<string, StoredCommand>()
  const nonces = new Map<string, string>()
  let key: string | undefined
  let anchor: { sequence: number; hash: string } | undefined

  const head = (): StoredHead => {
    const last = events[events.length - 1]
    return last === undefined
      ? { sequence: 0, hash: ZERO_HASH, recordedAt: null }
      : { sequence: last.sequence, hash: last.hash, recordedAt: last.recordedAt }
  }

  return {
    kind: 'memory',
    ledgerKey: async () => key,
    async bindLedgerKey(publicKey) {
      if (key !== undefined && key !== publicKey) throw new Error('store belongs to another ledger key')
      key = publicKey
    },
    // Each commit checks and applies synchronously, in call order.
    pipelined: true,
    head: async () => head(),
    lastAnchor: async () => anchor,
    async streamHeads() {
      return [...streams].map(([stream, indexes]) => ({ stream, version: indexes.length, lastSequence: (events[indexes[indexes.length - 1] as number] as Envelope).sequence }))
    },
    async streamVersions(names) {
      return new Map(names.map((name) => [name, streams.get(name)?.length ?? 0]))
    },
    findCommands: async (hashes) => present(commands, hashes),
    findNonces: async (keys) => present(nonces, keys),
    async commit(batch: SealedBatch) {
      const current = head()
      if (current.sequence !== batch.expectedHead.sequence || current.hash !== batch.expectedHead.hash) {
        throw new StaleHeadError('the head moved')
      }
      // The (actor, nonce) constraint, checked before anything is written: all or nothing.
      const batchNonces = new Set<string>()
      for (const command of batch.commands) {
        const key = nonceKey(command.signed.command)
        if (nonces.has(key) || batchNonces.has(key)) throw new Error(`nonce ${key} is already used`)
        batchNonces.add(key)
      }
      for (const envelope of batch.envelopes) {
        events.push(envelope)
        const indexes = streams.get(envelope.stream) ?? []
        indexes.push(envelope.sequence - 1)
        streams.set(envelope.stream, indexes)
        if (isAnchor(envelope)) anchor = { sequence: envelope.sequence, hash: envelope.hash }
      }
      for (const command of batch.commands) {
        commands.set(command.hash, command)
        nonces.set(nonceKey(command.signed.command), command.hash)
      }
    },
    async readRange(fromSequence, limit) {
      return events.slice(Math.max(0, fromSequence - 1), Math.max(0, fromSequence - 1) + limit)
    },
    async readStream(stream, fromVersion, limit) {
      const indexes = streams.get(stream) ?? []
      return indexes.slice(Math.max(0, fromVersion - 1), Math.max(0, fromVersion - 1) + limit).map((i) => events[i] as Envelope)
    },
    async readRawRange(fromSequence, limit) {
      return events.slice(Math.max(0, fromSequence - 1), Math.max(0, fromSequence - 1) + limit).map((envelope) => ({
        sequence: envelope.sequence,
        commandHash: envelope.cause.kind === 'command' ? envelope.cause.commandHash : null,
        json: canonicalize(envelope as unknown as JsonValue),
      }))
    },
    async readCommand(hash): Promise<SignedCommand | undefined> {
      return commands.get(hash)?.signed
    },
    async close() {},
  }
}
