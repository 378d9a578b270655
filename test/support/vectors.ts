/** Paths to the test vectors written by others (shared/ sits beside the checkout). */
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

export function vectorsDir(): string {
  const candidates = [process.env.MODEL_LEDGER_VECTORS, join(root, '..', 'shared', 'vectors')].filter((p): p is string => p !== undefined)
  const found = candidates.find((p) => existsSync(p))
  if (found === undefined) throw new Error(`test vectors not found (looked in ${candidates.join(', ')})`)
  return found
}
