/** The console as static files: copied with its shell, pointed at an API, under a policy naming that API only. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { consoleCommand } from '../../../api/cli/commands/console.js'
import { UsageError } from '../../../api/cli/io.js'
import { copyConsole } from '../../../api/console/build.js'

const dirs: string[] = []
async function temp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'console-static-'))
  dirs.push(dir)
  return dir
}
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))))

describe('model-ledger console --out', () => {
  it('writes the script, the shell, the stylesheet and config naming the API, which alone joins connect-src', async () => {
    const built = await temp()
    await writeFile(join(built, 'app.js'), 'export {}\n')
    const out = join(await temp(), 'site')
    await copyConsole(built, out, 'https://ledger.example')
    expect(JSON.parse(await readFile(join(out, 'config.json'), 'utf8'))).toEqual({ api: 'https://ledger.example' })
    const html = await readFile(join(out, 'index.html'), 'utf8')
    expect(html).toContain("connect-src 'self' https://ledger.example;")
    expect(html).toContain("script-src 'self';")
    expect(html).toContain('<script type="module" src="app.js"></script>')
    expect(await readFile(join(out, 'console.css'), 'utf8')).toContain('@media print')
    expect(await readFile(join(out, 'app.js'), 'utf8')).toBe('export {}\n')
  })

  it('refuses a directory with no built console, and an API that is not http(s)', async () => {
    await expect(copyConsole(await temp(), await temp())).rejects.toThrow(/no built console/)
    await expect(consoleCommand.run(['--out', await temp(), '--api', 'ftp://ledger.example'])).rejects.toBeInstanceOf(UsageError)
  })
})
