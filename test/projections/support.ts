/**
 * Real ledgers for projection tests: a store on SQLite or memory, filled by running governance
 * commands through the real decider (so the log holds the events the vertical really records),
 * mixed with other verticals' events the governance read models must ignore.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isRight } from 'fp-ts/lib/Either.js'
import { toHex } from '../../domain/crypto/hex.js'
import { governanceDecider } from '../../domain/governance/decider.js'
import type { GovernanceCommand } from '../../domain/governance/commands.js'
import type { GovernanceEvent } from '../../domain/governance/events.js'
import type { GovernanceState } from '../../domain/governance/state.js'
import { encodeEvent } from '../../domain/governance/wire.js'
import type { Envelope } from '../../domain/ledger/envelope.js'
import { Expected, type EventStore } from '../../domain/ports/event-store.js'
import { manualClock, type ManualClock } from '../../infrastructure/clock.js'
import { nativeEd25519 } from '../../infrastructure/crypto/native.js'
import { openLedgerStore } from '../../infrastructure/store/ledger-store.js'
import { createMemoryBackend } from '../../infrastructure/store/memory-backend.js'
import { createSqliteBackend } from '../../infrastructure/store/sqlite-backend.js'
import type { LogReader } from '../../projections/log-source.js'
import { LEDGER } from '../domain/governance/fixtures.js'
import type { Action } from '../domain/governance/random-commands.js'

export const ledgerSeed = new Uint8Array(32).fill(7)

export interface TestLedger {
  readonly store: EventStore
  readonly clock: ManualClock
  /** The governance state as the decider's own fold sees the recorded log: the oracle. */
  governance: GovernanceState
  commands: number
}

export async function openTestLedger(file?: string, anchorEvery = 25): Promise<TestLedger> {
  const clock = manualClock(Date.UTC(2026, 0, 1))
  const backend = file === undefined ? createMemoryBackend() : createSqliteBackend(file)
  const store = await openLedgerStore({ backend, signer: nativeEd25519.signer(ledgerSeed), anchorEvery, anchorIntervalMs: 0, clock })
  return { store, clock, governance: governanceDecider.initialState, commands: 0 }
}

export function tempDir(prefix = 'projections-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/**
 * Decides a governance command and appends its events one by one, as the command handler would
 * record them; the oracle state is evolved with the sequences the store gave. Returns false if the
 * decider refused the command (nothing is appended).
 */
export async function run(ledger: TestLedger, command: GovernanceCommand): Promise<boolean> {
  const recordedAt = new Date(ledger.clock.now()).toISOString()
  const commandHash = toHex(new Uint8Array(32).map((_, i) => (i < 4 ? (ledger.commands + 1) >> (8 * i) : 0x5a)))
  const decided = governanceDecider.decide(command, ledger.governance, { recordedAt, commandHash, ledgerKey: LEDGER, issuedAt: recordedAt })
  if (!isRight(decided)) return false
  ledger.commands++
  for (const event of decided.right) await appendGovernance(ledger, event, recordedAt)
  return true
}

async function appendGovernance(ledger: TestLedger, event: GovernanceEvent, recordedAt: string): Promise<void> {
  const encoded = encodeEvent(event)
  const result = await ledger.store.append({
    writes: [{ stream: encoded.stream, expected: Expected.any, events: [{ type: encoded.type, data: encoded.data }] }],
    reason: 'test',
    recordedAt,
  })
  ledger.governance = governanceDecider.evolve(ledger.governance, { event, sequence: result.lastSequence, recordedAt })
}

/** An event of a vertical the governance read models do not know: they must skip it. */
export async function noise(ledger: TestLedger, n: number): Promise<void> {
  await ledger.store.append({
    writes: [{ stream: `datanet-d${n % 3}`, expected: Expected.any, events: [{ type: 'ContributionAdded', data: { n, amount: String(10n ** 18n * BigInt(n)) } }] }],
    reason: 'test',
  })
}

/** Plays random actions (the governance property tests' generator): time jumps, commands, and noise. */
export async function play(ledger: TestLedger, actions: readonly Action[]): Promise<void> {
  let n = 0
  for (const action of actions) {
    if ('advance' in action) ledger.clock.advance(action.advance)
    else await run(ledger, action.make(ledger.governance))
    if (++n % 4 === 0) await noise(ledger, n)
  }
}

export async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of source) out.push(item)
  return out
}

/** A log that is exactly these envelopes: the "replay cut at a sequence" oracle. */
export function arrayLog(envelopes: readonly Envelope[]): LogReader {
  const last = envelopes[envelopes.length - 1]
  return {
    async *readAll(from = 1) {
      for (const envelope of envelopes) if (envelope.sequence >= from) yield envelope
    },
    head: async () => ({
      sequence: last?.sequence ?? 0,
      hash: last?.hash ?? '0'.repeat(64),
      recordedAt: last?.recordedAt ?? null,
      lastAnchor: { sequence: 0, hash: '0'.repeat(64) },
    }),
  }
}
