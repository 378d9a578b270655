/** Real keys, signing and stores for the command handler tests. */
import { createHash } from 'node:crypto'
import { governance, GovernanceRequestC, type GovernanceCommand } from '../../domain/governance/index.js'
import type { JsonValue } from '../../domain/json.js'
import { signCommand, type SignedCommand } from '../../domain/ledger/command.js'
import type { Signer } from '../../domain/ports/crypto.js'
import type { EventStore } from '../../domain/ports/event-store.js'
import { toHex } from '../../domain/crypto/hex.js'
import { manualClock, type ManualClock } from '../../infrastructure/clock.js'
import { createCommandHandler } from '../../infrastructure/command-handler.js'
import { nativeCrypto, nativeEd25519 } from '../../infrastructure/crypto/native.js'
import { openLedgerStore } from '../../infrastructure/store/ledger-store.js'
import { createMemoryBackend } from '../../infrastructure/store/memory-backend.js'
import type { StorageBackend } from '../../infrastructure/store/backend.js'
import { ALICE, BOB, CAROL, DAVE, LEDGER, START, TREASURY } from '../domain/governance/fixtures.js'

export function signerFor(name: string): Signer {
  return nativeEd25519.signer(createHash('sha256').update(name).digest())
}

export const ledgerSigner = signerFor('ledger')

/** The domain fixtures' placeholder keys, each mapped to a real key that can sign. */
export const realKeys = new Map<string, Signer>([
  [LEDGER, ledgerSigner],
  [TREASURY, signerFor('treasury')],
  [ALICE, signerFor('alice')],
  [BOB, signerFor('bob')],
  [CAROL, signerFor('carol')],
  [DAVE, signerFor('dave')],
  ['e5'.repeat(32), signerFor('eve')],
])

export const keyOf = (placeholder: string): string => toHex((realKeys.get(placeholder) as Signer).publicKey)

function rekey(text: string): string {
  let out = text
  for (const [placeholder, signer] of realKeys) out = out.split(placeholder).join(toHex(signer.publicKey))
  return out
}

let nonce = 0
let issueClock: { now(): number } | undefined

/**
 * Commands are signed at this clock's time unless a test says otherwise, so that they lie within
 * the genesis's command window of the time the ledger records them. `harness` sets it.
 */
export function signAtClock(clock: { now(): number }): void {
  issueClock = clock
}

const issuedNow = (): string => new Date(issueClock?.now() ?? START).toISOString()

/**
 * Signs a fixture command as its real actor. Placeholder keys anywhere in the payload become the
 * real keys, so the domain fixtures' builders serve here too.
 */
export function signRaw(actor: string, type: string, payload: JsonValue, issuedAt = issuedNow()): SignedCommand {
  const signer = realKeys.get(actor) as Signer
  return signCommand({ type, payload, actor: toHex(signer.publicKey), nonce: `n${++nonce}`, issuedAt, ledger: keyOf(LEDGER) }, signer, nativeCrypto)
}

export function sign(command: GovernanceCommand, issuedAt = issuedNow()): SignedCommand {
  const signer = realKeys.get(command.actor)
  if (signer === undefined) throw new Error('no real key for this actor')
  const { actor: _actor, ...request } = command
  const wire = GovernanceRequestC.encode(request) as { type: string; payload: JsonValue }
  const payload = JSON.parse(rekey(JSON.stringify(wire.payload))) as JsonValue
  return signCommand({ type: wire.type, payload, actor: toHex(signer.publicKey), nonce: `n${++nonce}`, issuedAt, ledger: keyOf(LEDGER) }, signer, nativeCrypto)
}

export interface Harness {
  readonly store: EventStore
  readonly clock: ManualClock
  readonly handler: ReturnType<typeof governanceHandler>
}

export function governanceHandler(store: EventStore, clock: ManualClock, maxAttempts?: number) {
  return createCommandHandler({ store, vertical: governance, clock, ...(maxAttempts === undefined ? {} : { maxAttempts }) })
}

export async function harness(backend: StorageBackend = createMemoryBackend()): Promise<Harness> {
  const clock = manualClock(START)
  signAtClock(clock)
  const store = await openLedgerStore({ backend, signer: ledgerSigner, clock, anchorIntervalMs: 0 })
  return { store, clock, handler: governanceHandler(store, clock) }
}
