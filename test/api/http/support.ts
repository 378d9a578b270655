/** A real server on an ephemeral port over a memory ledger, with a manual clock and SDK actors. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { defaultParams, tokens, type GovernanceRequest } from '../../../domain/governance/index.js'
import type { EventStore } from '../../../domain/ports/event-store.js'
import { startServer, type Limits, type RunningServer } from '../../../api/http/server.js'
import { createClient, keyFromSeed, type ActorClient, type ActorKey, type LedgerClient } from '../../../api/sdk/index.js'
import { createBlobStore } from '../../../infrastructure/blobs/blob-store.js'
import { manualClock, type ManualClock } from '../../../infrastructure/clock.js'
import { openLedgerStore } from '../../../infrastructure/store/ledger-store.js'
import { createMemoryBackend } from '../../../infrastructure/store/memory-backend.js'

export const seedOf = (n: number): string => n.toString(16).padStart(2, '0').repeat(32)
export const ledgerKey: ActorKey = keyFromSeed(seedOf(1))
export const NAMES = ['alice', 'bob', 'carol', 'dave', 'treasury'] as const
export type Name = (typeof NAMES)[number]

export interface TestServer {
  readonly store: EventStore
  readonly server: RunningServer
  readonly client: LedgerClient
  readonly clock: ManualClock
  readonly ledger: ActorClient
  readonly actors: Readonly<Record<Name, ActorClient>>
  readonly url: string
  close(): Promise<void>
}

export const WINDOWS = { votingDelayMs: 1_000, votingPeriodMs: 60_000, timelockMs: 1_000, gracePeriodMs: 60_000, unbondCooldownMs: 5_000 }

export async function startTestServer(limits: Partial<Limits> = {}, options: { corsOrigins?: readonly string[]; trustProxy?: boolean } = {}): Promise<TestServer> {
  const clock = manualClock(Date.UTC(2026, 0, 1))
  const store = await openLedgerStore({ backend: createMemoryBackend(), signer: ledgerKey.signer, clock, anchorEvery: 1000, anchorIntervalMs: 0 })
  const blobDir = await mkdtemp(join(tmpdir(), 'ml-http-blobs-'))
  const server = await startServer({ store, clock, blobs: createBlobStore(blobDir), logger: pino({ level: 'silent' }), limits: { blobBytes: 1024 * 1024, ...limits }, ...options })
  const client = createClient({ baseUrl: server.url, ledger: ledgerKey.publicKey, now: () => new Date(clock.now()) })
  const actors = Object.fromEntries(NAMES.map((name, i) => [name, client.actor(keyFromSeed(seedOf(10 + i)))])) as Record<Name, ActorClient>
  return {
    store,
    server,
    client,
    clock,
    ledger: client.actor(ledgerKey),
    actors,
    url: server.url,
    async close() {
      await server.close()
      await store.close()
      await rm(blobDir, { recursive: true, force: true })
    },
  }
}

/** Genesis, identities, gOPEN delegated to self, and a proposal open for voting. Returns its id. */
export async function openProposal(t: TestServer): Promise<string> {
  const { alice, bob, carol, dave, treasury } = t.actors
  const people = [alice, bob, carol, dave]
  await t.ledger.governance({
    type: 'EstablishGenesis',
    payload: { params: { ...defaultParams, ...WINDOWS }, treasuryKey: treasury.publicKey, treasury: tokens(1_000_000), allocations: people.map((p) => ({ account: p.publicKey, amount: tokens(50_000) })) },
  })
  for (const person of [...people, treasury]) await person.governance({ type: 'RegisterIdentity', payload: { displayName: person.publicKey.slice(0, 8) } })
  for (const person of people) {
    await person.governance({ type: 'WrapOpen', payload: { amount: tokens(20_000) } })
    await person.governance({ type: 'DelegateVotes', payload: { to: person.publicKey } })
  }
  const proposal: GovernanceRequest = {
    type: 'ProposeModel',
    payload: {
      stake: tokens(1_000),
      spec: {
        title: 'Test model', purpose: 'A test.', domain: 'testing', baseModel: 'base', datasetRequirements: ['data'],
        rubric: { metric: 'accuracy', threshold: 0.5, direction: 'maximize' }, integrationTargets: ['api'], rewardPool: tokens(1_000),
      },
    },
  }
  const accepted = await alice.governance(proposal)
  t.clock.advance(WINDOWS.votingDelayMs + 1)
  return accepted.commandHash
}

export async function headOf(t: TestServer): Promise<number> {
  return (await t.store.head()).sequence
}
