/**
 * The rules a fold was made by, as a digest of the code that runs them. A snapshot records what
 * folded it; a state folded by other rules must not be taken for this build's, even when the
 * package version did not change. The rules are the pure domain layer (domain/: events, deciders,
 * evolve, codecs), so the digest is over the domain modules this process actually loads: the
 * compiled `.js` files next to this module in dist/, or the `.ts` sources when run from source.
 * A rebuild that changes any rule changes the digest; one that changes nothing keeps it.
 *
 * The digest: SHA-256 over the files (`.js` or `.ts`, not `.d.ts` nor source maps) under the
 * domain folder, in byte order of their paths relative to it with `/` separators; for each, the
 * path, a NUL, the length in bytes as decimal digits, a NUL, then the bytes.
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The digest of the rule modules under `dir` with extension `ext` (`.js` or `.ts`), as above. */
export function rulesDigestOf(dir: string, ext: '.js' | '.ts'): string {
  const files: string[] = []
  const walk = (relative: string): void => {
    for (const entry of readdirSync(join(dir, relative), { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`
      if (entry.isDirectory()) walk(path)
      else if (entry.isFile() && entry.name.endsWith(ext) && !entry.name.endsWith('.d.ts')) files.push(path)
    }
  }
  walk('')
  files.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
  const hash = createHash('sha256')
  for (const path of files) {
    const bytes = readFileSync(join(dir, path))
    hash.update(`${path}\0${bytes.length}\0`)
    hash.update(bytes)
  }
  return hash.digest('hex')
}

let cached: string | undefined

/** The digest of the domain modules this process runs (computed once). */
export function rulesDigest(): string {
  if (cached === undefined) {
    const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
    cached = rulesDigestOf(fileURLToPath(new URL('../domain/', import.meta.url)), ext)
  }
  return cached
}
