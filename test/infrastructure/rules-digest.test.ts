/**
 * The rules digest that snapshots record: it follows every byte of the domain modules and nothing
 * else (declaration files, source maps, other folders), so a build with changed rules refuses the
 * snapshots of the previous one.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { rulesDigest, rulesDigestOf } from '../../infrastructure/rules-digest.js'
import { snapshotSoftware } from '../../infrastructure/snapshot/snapshots.js'

const domain = fileURLToPath(new URL('../../domain/', import.meta.url))

describe('the rules digest', () => {
  it('is the digest of the domain sources this process runs, and part of what a snapshot records', () => {
    const digest = rulesDigestOf(domain, '.ts')
    expect(digest).toMatch(/^[0-9a-f]{64}$/)
    expect(rulesDigest()).toBe(digest)
    expect(snapshotSoftware()).toMatch(new RegExp(`^model-ledger@[^+]+\\+rules\\.${digest.slice(0, 16)}$`))
  })

  it('changes with any byte of a rule module, a module added or renamed; not with declarations or maps', () => {
    const copy = mkdtempSync(join(tmpdir(), 'ml-rules-'))
    try {
      cpSync(domain, copy, { recursive: true })
      const base = rulesDigestOf(copy, '.ts')
      expect(base).toBe(rulesDigestOf(domain, '.ts'))
      const decider = join(copy, 'governance', 'decider.ts')
      const original = readFileSync(decider)
      const changed = Buffer.from(original)
      changed.writeUInt8((changed.at(-2) ?? 0) ^ 1, changed.length - 2)
      writeFileSync(decider, changed)
      expect(rulesDigestOf(copy, '.ts')).not.toBe(base)
      writeFileSync(decider, original)
      expect(rulesDigestOf(copy, '.ts')).toBe(base)
      writeFileSync(join(copy, 'governance', 'extra.d.ts'), 'export {}\n')
      writeFileSync(join(copy, 'governance', 'decider.js.map'), '{}')
      writeFileSync(join(copy, 'notes.md'), 'not code')
      expect(rulesDigestOf(copy, '.ts')).toBe(base)
      writeFileSync(join(copy, 'governance', 'extra.ts'), 'export {}\n')
      expect(rulesDigestOf(copy, '.ts')).not.toBe(base)
      rmSync(join(copy, 'governance', 'extra.ts'))
      renameSync(decider, join(copy, 'governance', 'decider2.ts'))
      expect(rulesDigestOf(copy, '.ts')).not.toBe(base)
    } finally {
      rmSync(copy, { recursive: true, force: true })
    }
  })

  it('the compiled build has its own digest, over its .js modules', () => {
    const dist = fileURLToPath(new URL('../../dist/domain/', import.meta.url))
    const digest = rulesDigestOf(dist, '.js')
    expect(digest).toMatch(/^[0-9a-f]{64}$/)
    expect(digest).not.toBe(rulesDigestOf(domain, '.ts'))
  })
})
