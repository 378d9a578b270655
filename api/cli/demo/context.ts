/** What each demo stage gets: the store, the ledger's signer and the demo's actors. */
import { createHash } from 'node:crypto'
import { toHex } from '../../../domain/crypto/hex.js'
import { signCommand, type SignedCommand } from '../../../domain/ledger/command.js'
import type { JsonValue } from '../../../domain/json.js'
import type { Signer } from '../../../domain/ports/crypto.js'
import type { EventStore } from '../../../domain/ports/event-store.js'
import { nativeCrypto, nativeEd25519 } from '../../../infrastructure/crypto/native.js'

export const ACTOR_NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'treasury'] as const
export type ActorName = (typeof ACTOR_NAMES)[number]

export interface Actor {
  readonly name: ActorName
  readonly key: string
  readonly signer: Signer
}

export interface DemoContext {
  readonly store: EventStore
  readonly ledger: Signer
  readonly actors: Readonly<Record<ActorName, Actor>>
  /** Signs a command as an actor (or as the ledger authority with `ledger`). */
  sign(by: Signer, type: string, payload: JsonValue): SignedCommand
  /** Waits real time: the demo's genesis uses windows of seconds, not days. */
  wait(ms: number): Promise<void>
  /** Values later stages need (a proposal id, a mandate id …). */
  readonly shared: Map<string, string>
}

/**
 * The demo's actors have keys derived from their names: anyone can re-derive them, which is what
 * a demonstration wants and what no real deployment may do.
 */
export function demoActors(): Record<ActorName, Actor> {
  const entries = ACTOR_NAMES.map((name) => {
    const signer = nativeEd25519.signer(createHash('sha256').update(`model-ledger demo actor ${name}`).digest())
    return [name, { name, key: toHex(signer.publicKey), signer }] as const
  })
  return Object.fromEntries(entries) as Record<ActorName, Actor>
}

export function createDemoContext(store: EventStore, ledger: Signer): DemoContext {
  let nonce = 0
  return {
    store,
    ledger,
    actors: demoActors(),
    sign: (by, type, payload) =>
      signCommand({ type, payload, actor: toHex(by.publicKey), nonce: `demo-${++nonce}`, issuedAt: new Date().toISOString() }, by, nativeCrypto),
    wait: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    shared: new Map(),
  }
}
