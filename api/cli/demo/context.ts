/**
 * What each demo stage gets: the demo's actors and a way to submit signed commands, store blobs
 * and read the state, all through the HTTP API with the SDK.
 */
import { createHash } from 'node:crypto'
import { toHex } from '../../../domain/crypto/hex.js'
import { economy, encodeRequest, type EconomyCommand, type EconomyState } from '../../../domain/economy/index.js'
import { signCommand, type SignedCommand } from '../../../domain/ledger/command.js'
import type { Envelope } from '../../../domain/ledger/envelope.js'
import type { Signer } from '../../../domain/ports/crypto.js'
import type { EventPage } from '../../http/wire.js'
import type { LedgerClient } from '../../sdk/client.js'
import { ApiError } from '../../sdk/errors.js'
import { nativeCrypto, nativeEd25519 } from '../../../infrastructure/crypto/native.js'
import type { TrainerLedger } from '../../../trainer/ledger.js'

/** heidi, ivan and judy contribute only to `demo --lm`'s datanet. */
export const ACTOR_NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'treasury', 'heidi', 'ivan', 'judy'] as const
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
  /** The demo's data directory: where an in-process trainer finds the blobs and writes its work. */
  readonly dataDir: string
  readonly actors: Readonly<Record<ActorName, Actor>>
  submit(by: Signer, request: Request): Promise<Submission>
  /** Submits and throws on refusal: for the steps the story needs to succeed. */
  run(by: Signer, request: Request): Promise<string>
  /** Submits a command the rules must refuse, and says why they did. */
  refusal(by: Signer, request: Request): Promise<string>
  /** The state replayed from the log, through `upTo` when given (the state as it stood at that sequence). */
  state(upTo?: number): Promise<EconomyState>
  events(): AsyncIterable<Envelope>
  putBlob(content: Uint8Array): Promise<{ hash: string; byteLength: number }>
  /** Waits real time: the demo's genesis uses windows of seconds, not days. */
  wait(ms: number): Promise<void>
  readonly shared: Map<string, string>
  nameOf(key: string): string
  /** The OpenAI-compatible gateway the demo's server mounts, its operator key, and a way to append pending usage now. */
  readonly gateway: DemoGateway
}

export interface DemoGateway {
  readonly url: string
  readonly operator: Signer
  readonly operatorKey: string
  flush(): Promise<void>
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

/** Signs a request for the ledger whose id is `ledgerId` (its ledger key). */
export function signRequest(by: Signer, request: Request, ledgerId: string): SignedCommand {
  const wire = encodeRequest(request)
  return signCommand({ type: wire.type, payload: wire.payload, actor: toHex(by.publicKey), nonce: `demo-${Date.now()}-${++nonce}`, issuedAt: new Date().toISOString(), ledger: ledgerId }, by, nativeCrypto)
}

/** Every page of the log, read through the API the way any client or auditor would. */
async function* eventsOf(client: LedgerClient): AsyncGenerator<Envelope> {
  let from: number | null = 1
  while (from !== null) {
    const page: EventPage = await client.events({ from, limit: 1000 })
    for (const envelope of page.events) yield envelope as Envelope
    from = page.next
  }
}

/**
 * The stages talk to a ledger server through the SDK, as a client service would: commands are
 * signed here and posted, blobs are uploaded, and the state is rebuilt by replaying the events the
 * API serves through the same pure fold the server runs.
 */
export function createDemoContext(client: LedgerClient, ledger: Signer, dataDir: string, gateway: DemoGateway): DemoContext {
  const actors = demoActors()
  const names = new Map<string, string>([...Object.values(actors).map((a) => [a.key, a.name] as const), [toHex(ledger.publicKey), 'ledger'], [gateway.operatorKey, 'gateway']])
  const submit = async (by: Signer, request: Request): Promise<Submission> => {
    try {
      const accepted = await client.submit(signRequest(by, request, toHex(ledger.publicKey)))
      return { ok: true, commandHash: accepted.commandHash }
    } catch (error) {
      if (error instanceof ApiError) return { ok: false, code: error.code ?? error.kind, message: error.message }
      throw error
    }
  }
  return {
    ledger,
    dataDir,
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
    async state(upTo = Infinity) {
      let state = economy.decider.initialState
      for await (const envelope of eventsOf(client)) {
        if (envelope.sequence > upTo) break
        const event = economy.parseEvent(envelope.type, envelope.data)
        if (event !== undefined) state = economy.decider.evolve(state, { event, sequence: envelope.sequence, recordedAt: envelope.recordedAt })
      }
      return state
    },
    events: () => eventsOf(client),
    putBlob: (content) => client.putBlob(content),
    wait: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    shared: new Map(),
    nameOf: (key) => names.get(key) ?? `${key.slice(0, 8)}…`,
    gateway,
  }
}

/** A trainer's ledger port over the demo's API client: its commands are signed and submitted like anyone's. */
export function apiLedger(ctx: DemoContext, signer: Signer): TrainerLedger {
  return { key: toHex(signer.publicKey), submit: (request) => ctx.submit(signer, request), state: () => ctx.state() }
}
