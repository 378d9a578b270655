/**
 * Wraps a Signer so that nothing about it can print a secret: JSON and util.inspect show only the
 * public key, key id and label. The secret stays inside the wrapped signer's closure.
 */
import { inspect } from 'node:util'
import { toHex } from '../../domain/crypto/hex.js'
import type { Signer } from '../../domain/ports/crypto.js'

export interface KeySigner extends Signer {
  readonly keyId: string
  readonly label: string
}

export function redactedSigner(inner: Signer, keyId: string, label: string): KeySigner {
  const publicKey = Uint8Array.from(inner.publicKey)
  const shown = () => ({ keyId, label, publicKey: toHex(publicKey) })
  return Object.freeze({
    publicKey,
    keyId,
    label,
    sign: (message: Uint8Array) => inner.sign(message),
    toJSON: shown,
    [inspect.custom]: () => `KeySigner ${inspect(shown())}`,
  })
}
