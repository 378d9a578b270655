/**
 * Shared helpers for the event store tests: fixed keys, signed commands, and a chain checker that
 * holds a whole log to every rule an auditor would (sequence, links, seals, versions, anchors).
 */
import { expect } from 'vitest'
import { toHex, fromHex } from '../../../domain/crypto/hex.js'
import { anchorData, isAnchor } from '../../../domain/ledger/anchor.js'
import { signCommand, type Command, type SignedCommand } from '../../../domain/ledger/command.js'
import { checkEnvelopeSeal, ZERO_HASH, type Envelope } from '../../../domain/ledger/envelope.js'
import { merkleRoot } from '../../../domain/ledger/merkle.js'
import type { JsonValue } from '../../../domain/json.js'
import type { Signer } from '../../../domain/ports/crypto.js'
import type { EventStore, Head } from '../../../domain/ports/event-store.js'
import type { StorageBackend } from '../../../infrastructure/store/backend.js'
import { nativeCrypto } from '../../../infrastructure/crypto/native.js'

export function seed(byte: number): Uint8Array {
  return new Uint8Array(32).fill(byte)
}

export const ledgerSigner: Signer = nativeCrypto.ed25519.signer(seed(1))
export const otherLedgerSigner: Signer = nativeCrypto.ed25519.signer(seed(2))
export const actorSigner: Signer = nativeCrypto.ed25519.signer(seed(3))

let nonceCounter = 0

export function command(payload: JsonValue = {}, signer: Signer = actorSigner, ledger: string = toHex(ledgerSigner.publicKey), nonce?: string): SignedCommand {
  const body: Command = {
    type: 'DoSomething',
    payload,
    actor: toHex(signer.publicKey),
    nonce: nonce ?? `n-${process.pid}-${++nonceCounter}`,
    issuedAt: '2026-01-01T00:00:00.000Z',
    ledger,
  }
  return signCommand(body, signer, nativeCrypto)
}

export async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of source) out.push(item)
  return out
}

/** The head without the fields a failed append must not change, for before/after comparison. */
export async function snapshot(store: EventStore): Promise<{ head: Head; count: number }> {
  return { head: await store.head(), count: (await collect(store.readAll())).length }
}

function checkAnchor(anchor: Envelope, log: readonly Envelope[]): void {
  const data = anchorData(anchor)
  expect(data, `anchor ${anchor.sequence} data`).toBeDefined()
  if (data === undefined) return
  // A checkpoint commits to the whole tree before it, earlier checkpoints included.
  expect(data.treeSize).toBe(anchor.sequence - 1)
  expect(data.root).toBe(merkleRoot(log.slice(0, data.treeSize).map((e) => fromHex(e.hash)), nativeCrypto.sha256))
}

/**
 * Asserts the log is a valid chain from sequence 1: gapless sequences, prevHash links, each seal,
 * the ledger key as signer, gapless stream versions, and every anchor's range, root and links.
 * Returns the anchors it saw.
 */
export function assertChain(log: readonly Envelope[], ledgerKey: string): Envelope[] {
  const versions = new Map<string, number>()
  const anchors: Envelope[] = []
  let prevHash = ZERO_HASH
  log.forEach((envelope, index) => {
    expect(envelope.sequence, 'gapless sequence').toBe(index + 1)
    expect(envelope.prevHash, `prevHash at ${envelope.sequence}`).toBe(prevHash)
    expect(envelope.signer).toBe(ledgerKey)
    expect(checkEnvelopeSeal(envelope, nativeCrypto), `seal at ${envelope.sequence}`).toEqual({ ok: true })
    const version = (versions.get(envelope.stream) ?? 0) + 1
    expect(envelope.streamVersion, `version of ${envelope.stream} at ${envelope.sequence}`).toBe(version)
    versions.set(envelope.stream, version)
    if (isAnchor(envelope)) {
      checkAnchor(envelope, log)
      anchors.push(envelope)
    }
    prevHash = envelope.hash
  })
  return anchors
}

export async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** A backend whose methods named in `overrides` are replaced (to count calls or fail them); the rest are the inner one's. */
export function intercept(inner: StorageBackend, overrides: Partial<StorageBackend>): StorageBackend {
  return new Proxy(inner, {
    get(target, name, receiver) {
      if (Object.hasOwn(overrides, name)) return Reflect.get(overrides, name) as unknown
      const value: unknown = Reflect.get(target, name, receiver)
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    },
  })
}
