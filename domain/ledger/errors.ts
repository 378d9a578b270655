/**
 * Errors the ledger core raises. Each has a stable `code`: callers branch on it, the HTTP edge maps
 * it to a problem type, and it never changes meaning once published.
 */
export type LedgerErrorCode =
  | 'malformed'
  | 'wrong-expected-version'
  | 'bad-signature'
  | 'unknown-signer'
  | 'reserved'
  | 'recorded-at-regression'
  | 'wrong-ledger'
  | 'nonce-replayed'
  | 'closed'
  | 'storage'

export class LedgerError extends Error {
  override readonly name = 'LedgerError'
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
    readonly details: Readonly<Record<string, string | number | boolean | null>> = {},
  ) {
    super(message)
  }
}

export function isLedgerError(error: unknown, code?: LedgerErrorCode): error is LedgerError {
  return error instanceof LedgerError && (code === undefined || error.code === code)
}
