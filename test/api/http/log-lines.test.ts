/** GET /v1/log: the log as bundle lines, page by page, passing the verifier's own line and chain checks. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer } from '../../../api/http/server.js'
import { ChainChecker } from '../../../domain/ledger/chain-check.js'
import { checkLine } from '../../../domain/ledger/line-check.js'
import { nativeCrypto } from '../../../infrastructure/crypto/native.js'
import { headOf, ledgerKey, openProposal, startTestServer, type TestServer } from './support.js'

let t: TestServer
let head: number

beforeAll(async () => {
  t = await startTestServer()
  await openProposal(t)
  await t.store.sealAnchor()
  head = await headOf(t)
})
afterAll(() => t.close())

async function lines(from: number, limit: number): Promise<string[]> {
  const response = await fetch(`${t.url}/v1/log?from=${from}&limit=${limit}`)
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/)
  const text = await response.text()
  return text === '' ? [] : text.replace(/\n$/, '').split('\n')
}

describe('GET /v1/log', () => {
  it('gives every event, each command just before its first event, and passes verify\'s checks', async () => {
    const all = await lines(1, 1000)
    const checker = new ChainChecker(nativeCrypto.sha256, ledgerKey.publicKey)
    for (const line of all) expect(checker.accept(checkLine(line, ledgerKey.publicKey, nativeCrypto))).toBeUndefined()
    const { failure, summary } = checker.finish()
    expect(failure).toBeUndefined()
    expect(summary.events).toBe(head)
    expect(summary.anchors).toBeGreaterThan(0)
    expect(summary.commands).toBeGreaterThan(0)
  })

  it('pages at any sequence without repeating or dropping a command, even inside one command\'s events', async () => {
    const whole = await lines(1, 1000)
    for (let split = 1; split < head; split++) {
      const paged = [...(await lines(1, split)), ...(await lines(split + 1, 1000))]
      expect(paged, `split after ${split}`).toEqual(whole)
    }
  })

  it('refuses a limit outside 1..1000 with a problem, and is empty past the head', async () => {
    const response = await fetch(`${t.url}/v1/log?limit=0`)
    expect(response.status).toBe(400)
    expect(response.headers.get('content-type')).toMatch(/problem\+json/)
    expect(await lines(head + 1, 10)).toEqual([])
  })
})

describe('/console/', () => {
  it('serves the built console under its own policy, redirects /console, and is absent when not built or not asked for', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'console-files-'))
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>console</title>')
    const withConsole = await startServer({ store: t.store, logger: pino({ level: 'silent' }), consoleDir: dir })
    const empty = await mkdtemp(join(tmpdir(), 'console-none-'))
    const unbuilt = await startServer({ store: t.store, logger: pino({ level: 'silent' }), consoleDir: empty })
    try {
      const page = await fetch(`${withConsole.url}/console/`)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('<title>console</title>')
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
      expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'")
      const bare = await fetch(`${withConsole.url}/console`, { redirect: 'manual' })
      expect(bare.status).toBe(301)
      expect(bare.headers.get('location')).toBe('/console/')
      expect((await fetch(`${unbuilt.url}/console/`)).status).toBe(404)
      expect((await fetch(`${t.url}/console/`)).status).toBe(404)
      // The API keeps its own strict policy.
      expect((await fetch(`${withConsole.url}/v1/ledger`)).headers.get('content-security-policy')).toContain("default-src 'none'; style-src 'unsafe-inline'")
    } finally {
      await withConsole.close()
      await unbuilt.close()
      await rm(dir, { recursive: true, force: true })
      await rm(empty, { recursive: true, force: true })
    }
  })
})
