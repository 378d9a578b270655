/** CLI start: --version, the overview from the registry alone, and commands loaded only when run. */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { COMMANDS } from '../../../api/cli/registry.js'

const bin = fileURLToPath(new URL('../../../dist/api/cli/main.js', import.meta.url))
// Prints every module resolved from node_modules, so a test sees what a command loaded.
const hook = `data:text/javascript,${encodeURIComponent('export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.includes("/node_modules/")) process.stderr.write("LOADED " + r.url + "\\n"); return r }')}`
const register = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(hook)})`)}`

function loaded(...args: string[]): { code: number | null; out: string; packages: string[] } {
  const result = spawnSync(process.execPath, ['--import', register, bin, ...args], { encoding: 'utf8' })
  const packages = [...new Set([...result.stderr.matchAll(/LOADED \S*\/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].map((match) => match[1] ?? ''))]
  return { code: result.status, out: result.stdout, packages }
}

describe('CLI start', () => {
  it('--version prints the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
    const result = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' })
    expect(result.status).toBe(0)
    expect(result.stdout).toBe(`model-ledger ${pkg.version}\n`)
  })

  it('--help, --version and the small commands load no server, database client or gateway package', () => {
    const heavy = ['express', 'pg', '@eventstore/db-client', 'prom-client', 'pino', '@modelcontextprotocol/sdk']
    const help = loaded('--help')
    expect(help.code).toBe(0)
    expect(help.out).toContain('verify-proof')
    expect(help.packages.filter((name) => heavy.includes(name))).toEqual([])
    expect(loaded('--version').packages.filter((name) => heavy.includes(name))).toEqual([])
    const head = loaded('head', '--data', '/nonexistent/ml-start')
    expect(head.code).toBe(3)
    expect(head.packages.filter((name) => heavy.includes(name))).toEqual([])
    const proof = loaded('verify-proof', '--help')
    expect(proof.code).toBe(0)
    expect(proof.packages.filter((name) => heavy.includes(name))).toEqual([])
    // The serve command does load them: the probe sees what it is meant to see.
    expect(loaded('serve', '--help').packages).toContain('express')
  })

  it('the registry summaries are the commands’ own', async () => {
    for (const entry of COMMANDS) {
      const command = await entry.load()
      expect(command.name).toBe(entry.name)
      expect(command.summary).toBe(entry.summary)
    }
  })
})
