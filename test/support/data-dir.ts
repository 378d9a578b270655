/** Real data directories for tests: scrypt at a cost that keeps tests fast, checkpoints sealed when the test asks. */
import type { Signer } from '../../domain/ports/crypto.js'
import { Expected, type EventStore } from '../../domain/ports/event-store.js'
import { initDataDir, openLedger } from '../../infrastructure/data-dir.js'

/** The scrypt cost of test key files: far below the default, so opening a key takes milliseconds. */
export const FAST_COST = { N: 2 ** 10, r: 8, p: 1 }

export interface ManualLedger {
  /** The genesis ledger key (hex). */
  readonly genesis: string
  readonly store: EventStore
  readonly signer: Signer
}

/**
 * Initialises `dir` (key under `passphrase`) and opens its ledger with no checkpoint sealed but
 * those the test seals (`store.sealAnchor()`): no size or interval trigger, no timer.
 */
export async function openManualLedger(dir: string, passphrase: string): Promise<ManualLedger> {
  const genesis = (await initDataDir(dir, { passphrase, cost: FAST_COST, config: { anchorEvery: 100_000, anchorIntervalMs: 0 } })).publicKey
  const { store, signer } = await openLedger(dir, { passphrase, anchorTimer: false })
  return { genesis, store, signer }
}

/** Appends `events` ThingHappened events to a stream of their own. */
export async function appendThings(store: EventStore, events: number): Promise<void> {
  await store.append({ writes: [{ stream: `thing-${events}-${Math.random()}`, expected: Expected.any, events: Array.from({ length: events }, (_, j) => ({ type: 'ThingHappened', data: { j } })) }], reason: 'test' })
}
