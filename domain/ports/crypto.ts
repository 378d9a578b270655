/** The cryptography the ledger needs, as a port: a portable reference and a native fast path implement it. */

/** Holds one Ed25519 secret; implementations may cache expensive key objects inside. */
export interface Signer {
  readonly publicKey: Uint8Array
  sign(message: Uint8Array): Uint8Array
}

/**
 * Ed25519 as the ledger pins it (docs/ledger-format.md, "Signatures"): RFC 8032 with strict
 * decoding and the cofactorless equation. Every implementation must accept exactly the same set.
 */
export interface Ed25519 {
  readonly name: string
  signer(seed: Uint8Array): Signer
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean
}

export interface CryptoSuite {
  readonly ed25519: Ed25519
  sha256(data: Uint8Array): Uint8Array
}
