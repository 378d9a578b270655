/**
 * Errors from key files. Each has a stable `code` the CLI maps to a message and an exit status;
 * none ever carries a passphrase, a secret key, or the stack of a crypto library.
 */
export type KeyFileErrorCode =
  | 'not-found'
  | 'exists'
  | 'malformed'
  | 'unsupported'
  | 'cannot-decrypt'
  | 'tampered'
  | 'no-passphrase'
  | 'insecure-file'
  | 'io'

export class KeyFileError extends Error {
  override readonly name = 'KeyFileError'
  constructor(
    readonly code: KeyFileErrorCode,
    message: string,
  ) {
    super(message)
  }
}

export function isKeyFileError(error: unknown, code?: KeyFileErrorCode): error is KeyFileError {
  return error instanceof KeyFileError && (code === undefined || error.code === code)
}

/** The errno code of a Node system error, if it is one. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined
  const { code } = error as { code: unknown }
  return typeof code === 'string' ? code : undefined
}
