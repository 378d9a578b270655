/**
 * How the trainer talks to the ledger: it signs commands with its own key and submits them, and
 * reads the economy state folded from the log. In process this is the generic command handler
 * over the store (which catches up from its last position on every call, so following the log
 * costs only the new events).
 */
import { toHex } from '../domain/crypto/hex.js'
import { economy, encodeRequest, type EconomyCommand, type EconomyState } from '../domain/economy/index.js'
import type { Signer } from '../domain/ports/crypto.js'
import type { EventStore } from '../domain/ports/event-store.js'
import { createCommandHandler, type CommandHandler } from '../infrastructure/command-handler.js'
import { nativeCrypto } from '../infrastructure/crypto/native.js'
import { signChecked } from '../infrastructure/verified-commands.js'

export type Submitted = { readonly ok: true; readonly commandHash: string } | { readonly ok: false; readonly code: string; readonly message: string }

export interface TrainerLedger {
  readonly key: string
  submit(request: Omit<EconomyCommand, 'actor'>): Promise<Submitted>
  state(): Promise<EconomyState>
}

let nonce = 0

/** Signs with `signer` and decides through `handler` (the process's shared one, when it has one). */
export function inProcessLedger(store: EventStore, signer: Signer, handler: CommandHandler<EconomyState, string> = createCommandHandler({ store, vertical: economy })): TrainerLedger {
  const key = toHex(signer.publicKey)
  return {
    key,
    async submit(request) {
      const wire = encodeRequest(request)
      const command = { ...wire, actor: key, nonce: `trainer-${process.pid}-${Date.now()}-${++nonce}`, issuedAt: new Date().toISOString(), ledger: store.ledgerPublicKey }
      const result = await handler.handle(signChecked(command, signer, nativeCrypto))
      return result.ok ? { ok: true, commandHash: result.commandHash } : { ok: false, code: result.error.code, message: result.error.message }
    },
    state: () => handler.state(),
  }
}

/** The ledger refused a command (a rule, not a fault): a pass that waits for the log to change. */
export class CommandRefused extends Error {
  override readonly name = 'CommandRefused'
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** Submits or throws: for the commands the trainer cannot sensibly go on without. */
export async function mustSubmit(ledger: TrainerLedger, request: Omit<EconomyCommand, 'actor'>): Promise<string> {
  const result = await ledger.submit(request)
  if (!result.ok) throw new CommandRefused(result.code, `${request.type} refused: ${result.code}: ${result.message}`)
  return result.commandHash
}
