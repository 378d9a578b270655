/**
 * This package's package.json, read once: from this module it is one level up in the source tree
 * (run with tsx) and two levels up in dist/. One reader for `--version`, the snapshot format's
 * software version and the OpenLineage producer.
 */
import { readFileSync } from 'node:fs'

export interface PackageInfo {
  readonly version: string
  /** `repository.url` without `git+` and `.git`, when package.json names one. */
  readonly repoUrl: string | undefined
}

function read(): PackageInfo | undefined {
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: unknown; version?: unknown; repository?: { url?: unknown } }
      if (pkg.name !== 'model-ledger' || typeof pkg.version !== 'string') continue
      const url = pkg.repository?.url
      return { version: pkg.version, repoUrl: typeof url === 'string' ? url.replace(/^git\+/, '').replace(/\.git$/, '') : undefined }
    } catch {
      // Not there from this build layout: try the next.
    }
  }
  return undefined
}

let cached: PackageInfo | undefined | null = null

/** This package's version and repository; undefined when its package.json cannot be found. */
export function packageInfo(): PackageInfo | undefined {
  if (cached === null) cached = read()
  return cached
}

/** This package's version, 'unknown' when its package.json cannot be found. */
export function packageVersion(): string {
  return packageInfo()?.version ?? 'unknown'
}
