/**
 * Storage that cannot take more writes, whichever layer says so: SQLite (SQLITE_FULL, also what
 * PRAGMA max_page_count gives), the file system (ENOSPC, EDQUOT) or PostgreSQL (SQLSTATE 53100
 * disk_full). The ledger store wraps backend errors in LedgerError('storage') and keeps the
 * underlying code in `details.storageCode`; this looks at both, and along `cause`.
 */
const FULL = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT', '53100'])

/** The error's storage code (its `code`, or `details.storageCode`), if it has one. */
export function storageCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const details = (error as { details?: unknown }).details
  if (typeof details === 'object' && details !== null && typeof (details as { storageCode?: unknown }).storageCode === 'string') return (details as { storageCode: string }).storageCode
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' ? code : undefined
}

export function isStorageFull(error: unknown): boolean {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const code = storageCodeOf(current)
    if (code !== undefined && FULL.has(code)) return true
    if (typeof current !== 'object') return false
  }
  return false
}
