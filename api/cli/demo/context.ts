/**
 * What each demo stage gets: the demo's actors and a way to submit signed commands, store blobs
 * and read the state. Stages never touch the store directly, so the transport behind `submit`
 * (in process here) can be swapped without changing them.
 */
import { createHash } from 'node:crypto'
import { toHex } from '../../../domain/crypto/hex.js'
import { economy, encodeRequest, type EconomyCommand, type EconomyState } from '../../../domain/economy/index.js'
import { signCommand, type SignedCommand } from '../../../domain/ledger/command.js'
import type { Envelope } from '../../../domain/ledger/envelope.js'
import type { Signer } from '../../../domain/ports/crypto.js'
import type { EventStore } from '../../../domain/ports/event-store.js'
import { blobDir, createBlobStore } from '../../../infrastructure/blobs/blob-store.js'
import { createCommandHandler } from '../../../infrastructure/command-handler.js'
import { nativeCrypto, nativeEd25519 } from '../../../infrastructure/crypto/native.js'

export const ACTOR_NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'treasury'] as const
export type ActorName = (typeof ACTOR_NAMES)[number]

export interface Actor {
  readonly name: ActorName
  readonly key: string
  readonly signer: Signer
}

export type Request = Omit<EconomyCommand, 'actor'>
export type Submission = { readonly ok: true; readonly commandHash: string } | { readonly ok: false; readonly code: string; readonly message: string }

export interface DemoContext {
  readonly ledger: Signer
  readonly actors: Readonly<Record<ActorName, Actor>>
  submit(by: Signer, request: Request): Promise<Submission>
  /** Submits and throws on refusal: for the steps the story needs to succeed. */
  run(by: Signer, request: Request): Promise<string>
  /** Submits a command the rules must refuse, and says why they did. */
  refusal(by: Signer, request: Request): Promise<string>
  state(): Promise<EconomyState>
  events(): AsyncIterable<Envelope>
  putBlob(content: Uint8Array): Promise<{ hash: string; byteLength: number }>
  /** Waits real time: the demo's genesis uses windows of seconds, not days. */
  wait(ms: number): Promise<void>
  readonly shared: Map<string, string>
  nameOf(key: string): string
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

let nonce = 0

export function signRequest(by: Signer, request: Request): SignedCommand {
  const wire = encodeRequest(request)
  return signCommand({ type: wire.type, payload: wire.payload, actor: toHex(by.publicKey), nonce: `demo-${Date.now()}-${++nonce}`, issuedAt: new Date().toISOString() }, by, nativeCrypto)
}

/** Runs the stages in this process: one command handler for the whole economy, blobs under DIR/blobs. */
export function createDemoContext(store: EventStore, ledger: Signer, dataDir: string): DemoContext {
  const handler = createCommandHandler({ store, vertical: economy })
  const blobs = createBlobStore(blobDir(dataDir))
  const actors = demoActors()
  const names = new Map<string, string>([...Object.values(actors).map((a) => [a.key, a.name] as const), [toHex(ledger.publicKey), 'ledger']])
  const submit = async (by: Signer, request: Request): Promise<Submission> => {
    const result = await handler.handle(signRequest(by, request))
    return result.ok ? { ok: true, commandHash: result.commandHash } : { ok: false, code: result.error.code, message: result.error.message }
  }
  return {
    ledger,
    actors,
    submit,
    async run(by, request) {
      const result = await submit(by, request)
      if (!result.ok) throw new Error(`${request.type} refused: ${result.code}: ${result.message}`)
      return result.commandHash
    },
    async refusal(by, request) {
      const result = await submit(by, request)
      return result.ok ? 'accepted' : result.code
    },
    state: () => handler.state(),
    events: () => store.readAll(),
    putBlob: async (content) => {
      const stored = await blobs.put(content)
      return { hash: stored.hash, byteLength: stored.byteLength }
    },
    wait: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    shared: new Map(),
    nameOf: (key) => names.get(key) ?? `${key.slice(0, 8)}…`,
  }
}
