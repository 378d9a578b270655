/**
 * A signed command's signature is checked once per process, not once per layer. The HTTP edge, the
 * command handler and the sequencer each need to know that a command's signature holds; each used
 * to run Ed25519 verification again on the same object. Here a check that passed is remembered
 * against the object (weakly, so nothing is kept once the request is done), together with the
 * command's hash and signature: a later check recomputes the hash (SHA-256 of the canonical
 * command, far cheaper than a verification) and trusts the memory only if hash and signature are
 * unchanged, so a command altered after its check is verified afresh.
 */
import { commandHash, verifyCommand, type SignedCommand } from '../domain/ledger/command.js'
import type { CryptoSuite } from '../domain/ports/crypto.js'

const verified = new WeakMap<SignedCommand, { readonly hash: string; readonly signature: string }>()

/** The command's hash when its signature holds for its actor, else undefined; verifies at most once per unchanged object. */
export function verifySigned(signed: SignedCommand, crypto: CryptoSuite): string | undefined {
  const known = verified.get(signed)
  if (known !== undefined && known.signature === signed.signature && commandHash(signed.command, crypto) === known.hash) return known.hash
  const hash = verifyCommand(signed, crypto)
  if (hash !== undefined) verified.set(signed, { hash, signature: signed.signature })
  return hash
}
