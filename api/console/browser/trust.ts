/**
 * The ledger key the user pins. Every check on every page is made against this key and never
 * against a key a server answer names (a server that lies would name its own). It is kept in
 * localStorage per API, entered or confirmed by the user; until then pages say nothing is verified.
 */
import { fromHex } from '../../../domain/crypto/hex.js'
import { isAcceptablePublicKey } from '../../../domain/crypto/reference.js'

const HEX64 = /^[0-9a-f]{64}$/

function storageKey(base: string): string {
  return `model-ledger.console.pinned-key@${base === '' ? location.origin : base}`
}

export function pinnedKey(base: string): string | undefined {
  const value = localStorage.getItem(storageKey(base)) ?? undefined
  return value !== undefined && HEX64.test(value) ? value : undefined
}

/** Why a key cannot be pinned, or undefined when it can. */
export function keyProblem(key: string): string | undefined {
  if (!HEX64.test(key)) return 'a ledger key is 64 lower-case hex digits'
  if (!isAcceptablePublicKey(fromHex(key))) return 'that is not an Ed25519 public key the ledger accepts'
  return undefined
}

export function pinKey(base: string, key: string): void {
  const problem = keyProblem(key)
  if (problem !== undefined) throw new TypeError(problem)
  localStorage.setItem(storageKey(base), key)
}

export function unpinKey(base: string): void {
  localStorage.removeItem(storageKey(base))
}
