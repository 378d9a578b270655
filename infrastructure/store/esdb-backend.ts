/**
 * The EventStoreDB / KurrentDB store (@eventstore/db-client), mapped as esdb/mapping.ts explains:
 * the chain stream is the truth, appended one batch at a time with the expected revision of the
 * head the batch was sealed against; ledger streams and the command index are link streams kept
 * up to date from it. `esdb://host:2113?tls=false&prefix=name` (prefix default model-ledger).
 */
import { canonicalize } from '../../domain/canonical/jcs.js'
import type { JsonValue } from '../../domain/json.js'
import { ZERO_HASH, type Envelope } from '../../domain/ledger/envelope.js'
import { ANCHOR_STREAM } from '../../domain/ledger/names.js'
import { StaleHeadError, type StorageBackend, type StoredCommand, type StoredHead } from './backend.js'
import { fromDbClient, RevisionConflict, type EsdbClient } from './esdb/client.js'
import { createIndexer } from './esdb/indexer.js'
import { chainEvent, chainMetadata, envelopeText, esdbNames, expectedAfter, type EsdbEvent } from './esdb/mapping.js'

export interface EsdbBackendOptions {
  /** A client to use instead of connecting (tests pass a fake). */
  readonly client?: EsdbClient
}

/** Splits the `prefix` parameter off an esdb:// URL; the rest is the client's connection string. */
export function parseEsdbUrl(url: string): { connectionString: string; prefix: string } {
  const [base, query = ''] = url.split('?', 2) as [string, string | undefined]
  const params = new URLSearchParams(query)
  const prefix = params.get('prefix') ?? 'model-ledger'
  params.delete('prefix')
  const rest = params.toString()
  return { connectionString: rest === '' ? base : `${base}?${rest}`, prefix }
}

const parse = (event: EsdbEvent): Envelope => JSON.parse(envelopeText(event)) as Envelope

/** Attaches each command to the first envelope that cites it, so it commits in the same append. */
function chainEvents(envelopes: readonly Envelope[], texts: readonly string[] | undefined, commands: readonly StoredCommand[]): EsdbEvent[] {
  const pending = new Map(commands.map((c) => [c.hash, c]))
  return envelopes.map((e, i) => {
    const hash = e.cause.kind === 'command' ? e.cause.commandHash : undefined
    const command = hash === undefined ? undefined : pending.get(hash)
    if (hash !== undefined) pending.delete(hash)
    return chainEvent(e, texts?.[i] ?? canonicalize(e as unknown as JsonValue), command)
  })
}

export function createEsdbBackend(url: string, options: EsdbBackendOptions = {}): StorageBackend {
  const { connectionString, prefix } = parseEsdbUrl(url)
  const client = options.client ?? fromDbClient(connectionString)
  const names = esdbNames(prefix)
  const indexer = createIndexer(client, names)

  const last = async (stream: string): Promise<EsdbEvent | undefined> => (await client.read(stream, { from: 'end', backwards: true, maxCount: 1 }))[0]

  async function head(): Promise<StoredHead> {
    const event = await last(names.chain)
    if (event === undefined) return { sequence: 0, hash: ZERO_HASH, recordedAt: null }
    const e = parse(event)
    return { sequence: e.sequence, hash: e.hash, recordedAt: e.recordedAt }
  }

  /** Readers of derived streams first bring them up to the chain's head. */
  const indexed = async (): Promise<void> => indexer.catchUp((await head()).sequence)

  async function command(hash: string): Promise<StoredCommand | undefined> {
    const event = (await client.read(names.command(hash), { from: 'start', maxCount: 1 }))[0]
    return event === undefined ? undefined : chainMetadata(event).command
  }

  async function ledgerKey(): Promise<string | undefined> {
    const event = await last(names.meta)
    return event === undefined ? undefined : (JSON.parse(envelopeText(event)) as { ledgerPublicKey: string }).ledgerPublicKey
  }

  return {
    kind: 'esdb',
    ledgerKey,
    async bindLedgerKey(publicKey) {
      const event = { type: 'LedgerKeyBound', data: new TextEncoder().encode(JSON.stringify({ ledgerPublicKey: publicKey })), metadata: new Uint8Array() }
      await client.append(names.meta, [event], 'no_stream').catch((error: unknown) => {
        if (!(error instanceof RevisionConflict)) throw error
      })
      const bound = await ledgerKey()
      if (bound !== publicKey) throw new Error(`store belongs to ledger key ${bound ?? '(none)'}`)
    },
    head,
    async lastAnchor() {
      await indexed()
      const event = await last(names.stream(ANCHOR_STREAM))
      return event === undefined ? undefined : { sequence: parse(event).sequence, hash: parse(event).hash }
    },
    async streamVersions(streams) {
      await indexed()
      const versions = new Map<string, number>()
      for (const stream of streams) {
        const event = await last(names.stream(stream))
        versions.set(stream, event === undefined ? 0 : parse(event).streamVersion)
      }
      return versions
    },
    async findCommands(hashes) {
      await indexed()
      const found = new Map<string, StoredCommand>()
      for (const hash of hashes) {
        const stored = await command(hash)
        if (stored !== undefined) found.set(hash, stored)
      }
      return found
    },
    async findNonces(keys) {
      await indexed()
      const found = new Map<string, string>()
      for (const key of keys) {
        const event = (await client.read(names.nonce(key), { from: 'start', maxCount: 1 }))[0]
        const hash = event === undefined ? undefined : chainMetadata(event).command?.hash
        if (hash !== undefined) found.set(key, hash)
      }
      return found
    },
    async commit(batch) {
      try {
        await client.append(names.chain, chainEvents(batch.envelopes, batch.texts, batch.commands), expectedAfter(batch.expectedHead.sequence))
      } catch (error) {
        if (error instanceof RevisionConflict) throw new StaleHeadError('the head moved')
        throw error
      }
      const top = batch.envelopes[batch.envelopes.length - 1]
      // The batch is durable once the chain append returns; links lagging behind are repaired by readers.
      await indexer.catchUp(top?.sequence ?? 0).catch(() => undefined)
    },
    watch(onCommit) {
      const subscription = client.subscribe(names.chain, onCommit)
      return () => void subscription.stop().catch(() => undefined)
    },
    readRange: async (from, limit) => (await client.read(names.chain, { from: BigInt(from - 1), maxCount: limit })).map(parse),
    async readStream(stream, fromVersion, limit) {
      await indexed()
      return (await client.read(names.stream(stream), { from: BigInt(fromVersion - 1), maxCount: limit })).map(parse)
    },
    async readRawRange(from, limit) {
      return (await client.read(names.chain, { from: BigInt(from - 1), maxCount: limit })).map((event) => {
        const e = parse(event)
        return { sequence: e.sequence, commandHash: e.cause.kind === 'command' ? e.cause.commandHash : null, json: envelopeText(event) }
      })
    },
    readCommand: async (hash) => (await command(hash))?.signed,
    close: () => client.close(),
  }
}
