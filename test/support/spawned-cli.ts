/** For tests that spawn the built CLI as a user runs it. */
import { join } from 'node:path'

/** The built entry point (`npm test` builds it first). */
export const CLI_BIN = join(process.cwd(), 'dist/api/cli/main.js')

/** This process's environment without a passphrase, so a data directory falls back to its development passphrase file. */
export function envWithoutPassphrase(): NodeJS.ProcessEnv {
  const copy = { ...process.env }
  delete copy.MODEL_LEDGER_PASSPHRASE
  delete copy.MODEL_LEDGER_PASSPHRASE_FILE
  return copy
}
