/**
 * A signed command's signature is checked once per process, not once per layer. The HTTP edge, the
 * command handler and the sequencer each need to know that a command's signature holds; each used
 * to run Ed25519 verification again on the same object. Here a check that passed is remembered
 * against the object (weakly, so nothing is kept once the request is done), together with the
 * command's hash and signature: a later check recomputes the hash (SHA-256 of the canonical
 * command, far cheaper than a verification) and trusts the memory only if hash and signature are
 * unchanged, so a command altered after its check is verified afresh.
 */
import { decodeWith } from '../domain/codec.js'
import { fromHex, toHex } from '../domain/crypto/hex.js'
import { canonicalize } from '../domain/canonical/jcs.js'
import type { JsonValue } from '../domain/json.js'
import { commandHash, signCommand, SignedCommandC, verifyCommand, type Command, type SignedCommand } from '../domain/ledger/command.js'
import type { CryptoSuite, Signer } from '../domain/ports/crypto.js'
import { nativeCrypto } from './crypto/native.js'
import type { VerifyPool } from './crypto/verify-pool.js'
import { deepFreeze } from './deep-freeze.js'

const encoder = new TextEncoder()

/** Lower-case hex of whole bytes, as fromHex accepts. */
const HEX = /^(?:[0-9a-f]{2})+$/

/**
 * `decoded`: the object itself passed SignedCommandC (frozen since), so a later decode of it would
 * change nothing. `text`: the command's canonical text, kept for a frozen object (the stores keep
 * the signed command as canonical text too: `signedCommandText`).
 */
const verified = new WeakMap<object, { readonly hash: string; readonly signature: string; readonly frozen: boolean; readonly decoded?: true; readonly text?: string }>()

/**
 * The hash a check of this very object passed with, if it cannot have changed since: it was frozen
 * (deeply) when checked, or its signature and its hash now (computed only then) are the same.
 */
function checkedBefore(signed: SignedCommand, hashNow: () => string): string | undefined {
  const known = verified.get(signed)
  if (known === undefined) return undefined
  if (known.frozen) return known.hash
  return known.signature === signed.signature && known.hash === hashNow() ? known.hash : undefined
}

/** The command's hash when its signature holds for its actor, else undefined; verifies at most once per unchanged object. */
export function verifySigned(signed: SignedCommand, crypto: CryptoSuite): string | undefined {
  const known = checkedBefore(signed, () => commandHash(signed.command, crypto))
  if (known !== undefined) return known
  const hash = verifyCommand(signed, crypto)
  if (hash !== undefined) verified.set(signed, { hash, signature: signed.signature, frozen: false })
  return hash
}

/**
 * As `verifySigned`, with the Ed25519 check on a verify pool's threads when one is given (and the
 * suite is the native one the pool's threads use), for the HTTP edge, which owns the object (its
 * own parse of the body): the command is frozen, deeply, before it is hashed and checked, so the
 * layers after the edge neither verify it again nor hash it again to see whether it changed.
 * `decodedBy`: the caller decoded this very object with SignedCommandC, so neither decodes it again
 * either (`checkedCommand`).
 */
export async function verifySignedOff(signed: SignedCommand, crypto: CryptoSuite, pool: VerifyPool | undefined, decodedBy?: typeof SignedCommandC): Promise<string | undefined> {
  const known = checkedBefore(signed, () => commandHash(signed.command, crypto))
  if (known !== undefined) return known
  // Frozen before it is hashed and checked: from here on it is exactly what is verified.
  deepFreeze(signed)
  const text = canonicalize(signed.command)
  const bytes = crypto.sha256(encoder.encode(text))
  const { actor } = signed.command
  const wellFormed = HEX.test(actor) && HEX.test(signed.signature)
  const ok = wellFormed && (pool === undefined || crypto !== nativeCrypto ? crypto.ed25519.verify(fromHex(actor), bytes, fromHex(signed.signature)) : await pool.verify(fromHex(actor), bytes, fromHex(signed.signature)))
  if (!ok) return undefined
  const hash = toHex(bytes)
  verified.set(signed, { hash, signature: signed.signature, frozen: true, text, ...(decodedBy === SignedCommandC ? { decoded: true as const } : {}) })
  return hash
}

/**
 * Signs a command with a key this process holds (the trainer's, the gateway operator's) for its own
 * handler. The signed command is decoded, frozen, hashed once, signed, and the signature checked
 * against that hash; the handler and the store, which check every command they are given, then
 * find this one checked (`checkedCommand`) and neither decode, hash nor verify it again. A usage
 * batch of 1,000 receipts used to be made canonical four times on its way to the log.
 * Anything that does not decode, or a signer whose signature does not verify, is left unmarked:
 * the handler then checks it as any other command, and refuses it.
 */
export function signChecked(command: Command, signer: Signer, crypto: CryptoSuite): SignedCommand {
  if (toHex(signer.publicKey) !== command.actor) throw new TypeError('the signer is not the command actor')
  let text: string
  try {
    text = canonicalize(command)
  } catch {
    // Not I-JSON: signed as given, left for the handler to refuse.
    return signCommand(command, signer, crypto)
  }
  // The copy read back from the canonical text is exactly what is hashed and signed, and shares nothing with the caller's objects.
  const decoded = decodeWith(SignedCommandC, { command: JSON.parse(text) as unknown, signature: '00'.repeat(64) })
  if (!decoded.ok) return signCommand(command, signer, crypto)
  const bytes = crypto.sha256(encoder.encode(text))
  const signature = toHex(signer.sign(bytes))
  const signed = deepFreeze({ command: decoded.value.command, signature })
  if (crypto.ed25519.verify(signer.publicKey, bytes, fromHex(signature))) verified.set(signed, { hash: toHex(bytes), signature, frozen: true, decoded: true, text })
  return signed
}


/** The command and its hash, when this very object was made by `signChecked`: decoded, frozen and verified already. */
export function checkedCommand(input: unknown): { readonly signed: SignedCommand; readonly hash: string } | undefined {
  if (typeof input !== 'object' || input === null) return undefined
  const known = verified.get(input)
  return known?.decoded === true ? { signed: input as SignedCommand, hash: known.hash } : undefined
}

/** What `checkSigned` finds: the command and its hash, or why it is refused (with the command, when it decoded). */
export type SignedCheck =
  | { readonly ok: true; readonly signed: SignedCommand; readonly hash: string }
  | { readonly ok: false; readonly code: 'malformed' | 'bad-signature'; readonly message: string; readonly signed?: SignedCommand }

/**
 * Decodes `input` as a signed command and checks its signature: what the command handler and the
 * sequencer each ask of every command they are given. A command made by `signChecked`, or marked
 * decoded by the HTTP edge, is answered from what its check kept; any other is decoded, and
 * verified at most once per unchanged object (`verifySigned`).
 */
export function checkSigned(input: unknown, crypto: CryptoSuite): SignedCheck {
  const checked = checkedCommand(input)
  if (checked !== undefined) return { ok: true, ...checked }
  const decoded = decodeWith(SignedCommandC, input)
  if (!decoded.ok) return { ok: false, code: 'malformed', message: `malformed signed command: ${decoded.error}` }
  const hash = verifySigned(decoded.value, crypto)
  return hash === undefined ? { ok: false, code: 'bad-signature', message: 'the command signature does not verify under its actor key', signed: decoded.value } : { ok: true, signed: decoded.value, hash }
}

/**
 * The canonical text of a signed command, as the stores keep it: built from the command's text
 * kept when this frozen object was checked (members in JCS order: "command" before "signature"),
 * else made anew. Either way the same text as `canonicalize(signed)`.
 */
export function signedCommandText(signed: SignedCommand): string {
  const known = verified.get(signed)
  if (known?.frozen === true && known.text !== undefined) return `{"command":${known.text},"signature":${JSON.stringify(known.signature)}}`
  return canonicalize(signed as unknown as JsonValue)
}
