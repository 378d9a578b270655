/** Encrypted Ed25519 key files: the ledger authority's (and later the trainer's and actors') keys. */
export { createKeyFile, keyIdOf, loadSigner, readKeyFileInfo, readPublicKey, type CreateKeyFileOptions, type KeyFileInfo } from './key-file.js'
export { DEFAULT_COST, KEY_FILE_FORMAT, KEY_FILE_VERSION, type ScryptCost } from './format.js'
export { isKeyFileError, KeyFileError, type KeyFileErrorCode } from './errors.js'
export { PASSPHRASE_ENV, PASSPHRASE_FILE_ENV, readPassphrase, type PassphraseSource } from './passphrase.js'
export { Secret, type Passphrase } from './secret.js'
export type { KeySigner } from './redacted-signer.js'
