/**
 * Signed commands: what an actor asks the ledger to do, signed with the actor's Ed25519 key.
 *
 * commandHash = SHA-256(JCS(command)); signature = Ed25519(actor key, the 32 raw hash bytes).
 * The log keeps each signed command once; every event it produced cites its hash.
 *
 * A command means one thing, once, on one ledger: it names the ledger it is for (`ledger`, the
 * ledger's id: the public key that signed its first event), its (actor, nonce) pair is unique in
 * the ledger, and its `issuedAt` must lie within the genesis's command window of the time it is
 * recorded at (docs/ledger-format.md, "Commands").
 */
import type * as t from 'io-ts'
import { canonicalBytes } from '../canonical/jcs.js'
import { closed, Hex32, Hex64, JsonValueC, pattern, Timestamp } from '../codec.js'
import { fromHex, toHex } from '../crypto/hex.js'
import type { CryptoSuite, Signer } from '../ports/crypto.js'
import { TYPE_NAME } from './names.js'

export const CommandC = closed(
  {
    type: pattern('command type (PascalCase)', TYPE_NAME),
    payload: JsonValueC,
    actor: Hex32,
    nonce: pattern('nonce (1-128 printable ASCII)', /^[\x21-\x7e]{1,128}$/),
    issuedAt: Timestamp,
    ledger: Hex32,
  },
  'Command',
)
export type Command = t.TypeOf<typeof CommandC>

export const SignedCommandC = closed({ command: CommandC, signature: Hex64 }, 'SignedCommand')
export type SignedCommand = t.TypeOf<typeof SignedCommandC>

export function commandHashBytes(command: Command, crypto: CryptoSuite): Uint8Array {
  return crypto.sha256(canonicalBytes(command))
}

export function commandHash(command: Command, crypto: CryptoSuite): string {
  return toHex(commandHashBytes(command, crypto))
}

export function signCommand(command: Command, signer: Signer, crypto: CryptoSuite): SignedCommand {
  if (toHex(signer.publicKey) !== command.actor) throw new TypeError('the signer is not the command actor')
  return { command, signature: toHex(signer.sign(commandHashBytes(command, crypto))) }
}

/** The command's hash when its signature holds for its actor, else undefined. */
export function verifyCommand(signed: SignedCommand, crypto: CryptoSuite): string | undefined {
  const hash = commandHashBytes(signed.command, crypto)
  const ok = crypto.ed25519.verify(fromHex(signed.command.actor), hash, fromHex(signed.signature))
  return ok ? toHex(hash) : undefined
}

/**
 * The key under which an (actor, nonce) pair is unique: the actor's 64 hex digits, a slash, the
 * nonce. The actor has a fixed length, so no two pairs share a key.
 */
export function nonceKey(command: Pick<Command, 'actor' | 'nonce'>): string {
  return `${command.actor}/${command.nonce}`
}
