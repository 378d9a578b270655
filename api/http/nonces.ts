/**
 * Per-actor nonces. A nonce names one command of one actor: the same signed command sent again is
 * an idempotent resend (the store returns its first result), but a different command under a nonce
 * the actor already used is a replay attempt and is refused.
 *
 * The index is built from the log (each recorded command's actor and nonce) and follows it, so it
 * survives restarts. Commands in flight hold their nonce until decided: two different commands
 * racing on one nonce cannot both get through. A refused command releases its nonce; nothing of it
 * was recorded, so the nonce was never used.
 */
import type { EventStore } from '../../domain/ports/event-store.js'

export type NonceCheck = 'fresh' | 'same-command' | 'replayed'

export interface NonceIndex {
  /** Checks and, when fresh, reserves the nonce for this command until `settle`. */
  claim(actor: string, nonce: string, commandHash: string): NonceCheck
  /** Ends a reservation: keeps the nonce if the command was recorded, frees it otherwise. */
  settle(actor: string, nonce: string, commandHash: string, recorded: boolean): void
  /** Sequences scanned so far. */
  readonly position: number
  close(): void
}

export async function createNonceIndex(store: EventStore): Promise<NonceIndex> {
  const used = new Map<string, string>()
  const seen = new Set<string>()
  let position = 0
  const keyOf = (actor: string, nonce: string): string => `${actor}\u0000${nonce}`

  async function record(commandHash: string): Promise<void> {
    if (seen.has(commandHash)) return
    seen.add(commandHash)
    const signed = await store.readCommand(commandHash)
    if (signed !== undefined) used.set(keyOf(signed.command.actor, signed.command.nonce), commandHash)
  }

  for await (const envelope of store.readAll(1)) {
    position = envelope.sequence
    if (envelope.cause.kind === 'command') await record(envelope.cause.commandHash)
  }
  // Follow the log: commands appended by another writer on the same store are indexed too.
  const subscription = store.subscribe(position + 1)
  void (async () => {
    for await (const envelope of subscription) {
      position = envelope.sequence
      if (envelope.cause.kind === 'command') await record(envelope.cause.commandHash)
    }
  })().catch(() => undefined)

  return {
    claim(actor, nonce, commandHash) {
      const holder = used.get(keyOf(actor, nonce))
      if (holder === undefined) {
        used.set(keyOf(actor, nonce), commandHash)
        return 'fresh'
      }
      return holder === commandHash ? 'same-command' : 'replayed'
    },
    settle(actor, nonce, commandHash, recorded) {
      if (recorded) {
        seen.add(commandHash)
        return
      }
      if (used.get(keyOf(actor, nonce)) === commandHash && !seen.has(commandHash)) used.delete(keyOf(actor, nonce))
    },
    get position() {
      return position
    },
    close: () => subscription.close(),
  }
}
