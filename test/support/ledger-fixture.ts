/** Builds small real ledgers (memory store, real signatures) and their bundle lines for tests. */
import { toHex } from '../../domain/crypto/hex.js'
import { signCommand } from '../../domain/ledger/command.js'
import type { Signer } from '../../domain/ports/crypto.js'
import { Expected, type EventStore } from '../../domain/ports/event-store.js'
import { storeLines } from '../../infrastructure/bundle/lines.js'
import { manualClock } from '../../infrastructure/clock.js'
import { nativeCrypto, nativeEd25519 } from '../../infrastructure/crypto/native.js'
import type { StorageBackend } from '../../infrastructure/store/backend.js'
import { openLedgerStore } from '../../infrastructure/store/ledger-store.js'
import { createMemoryBackend } from '../../infrastructure/store/memory-backend.js'

export const seed = (n: number): Uint8Array => new Uint8Array(32).fill(n)
export const ledgerSigner = nativeEd25519.signer(seed(1))
export const actorSigner = nativeEd25519.signer(seed(2))
export const otherSigner = nativeEd25519.signer(seed(3))
export const ledgerKey = toHex(ledgerSigner.publicKey)

export interface Step {
  readonly stream: string
  readonly events: number
  readonly command: boolean
}

/** A key rotation in a fixture's steps: the store hands signing to this signer. */
export interface RotateStep {
  readonly rotateTo: Signer
}

export interface Fixture {
  readonly store: EventStore
  readonly backend: StorageBackend
}

export async function buildLedger(steps: readonly (Step | RotateStep)[], options: { anchorEvery?: number; signer?: Signer; variant?: string } = {}): Promise<Fixture> {
  const backend = createMemoryBackend()
  const clock = manualClock(Date.UTC(2026, 10, 1))
  const store = await openLedgerStore({ backend, signer: options.signer ?? ledgerSigner, clock, anchorEvery: options.anchorEvery ?? 5, anchorIntervalMs: 0 })
  let nonce = 0
  for (const step of steps) {
    clock.advance(1000)
    if ('rotateTo' in step) {
      await store.rotateKey(step.rotateTo)
      continue
    }
    const events = Array.from({ length: step.events }, (_, i) => ({ type: 'ThingHappened', data: { i, note: `${options.variant ?? 'original'} ${nonce}`, amount: String(10n ** 18n * BigInt(nonce)) } }))
    const write = { stream: step.stream, expected: Expected.any, events }
    const command = step.command
      ? signCommand({ type: 'DoThing', payload: { n: nonce }, actor: toHex(actorSigner.publicKey), nonce: `n-${nonce}`, issuedAt: new Date(clock.now()).toISOString(), ledger: toHex((options.signer ?? ledgerSigner).publicKey) }, actorSigner, nativeCrypto)
      : undefined
    nonce++
    await store.append({ writes: [write], ...(command === undefined ? { reason: 'test' } : { command }) })
  }
  return { store, backend }
}

export async function linesOf(backend: StorageBackend): Promise<string[]> {
  const lines: string[] = []
  for await (const line of storeLines(backend)) lines.push(line)
  return lines
}

export async function* iterate(lines: readonly string[]): AsyncGenerator<string> {
  for (const line of lines) yield line
}

export const standardSteps: readonly Step[] = [
  { stream: 'account-a', events: 1, command: true },
  { stream: 'account-b', events: 2, command: true },
  { stream: 'proposal-1', events: 1, command: false },
  { stream: 'account-a', events: 3, command: true },
  { stream: 'proposal-1', events: 1, command: true },
  { stream: 'account-b', events: 1, command: false },
  { stream: 'datanet-x', events: 2, command: true },
]

/** A closed standard ledger's bundle lines: 11 events plus anchors, commands included. */
export async function standardLines(options: { variant?: string } = {}): Promise<string[]> {
  const { store, backend } = await buildLedger(standardSteps, options)
  await store.close()
  return linesOf(backend)
}
