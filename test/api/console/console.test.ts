/**
 * The console in a real browser: Debian's chromium driven by playwright-core, headless, against
 * the HTTP API over a demo ledger (the same app `serve` runs, with the console built fresh). Pages
 * load and verify; a server answer with one byte changed is flagged; the main pages fit 1280 and
 * 800 px without anything clipped. Skipped, with a message, only where /usr/bin/chromium is absent.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { pino } from 'pino'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildConsole } from '../../../api/console/build.js'
import { startServer, type RunningServer } from '../../../api/http/server.js'
import type { EventStore } from '../../../domain/ports/event-store.js'
import { openLedger } from '../../../infrastructure/data-dir.js'
import { scratchDirs } from '../../support/scratch.js'

const CHROMIUM = '/usr/bin/chromium'
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run']
const run = promisify(execFile)

/** What the functions run in the page see: this file is type-checked without the DOM library. */
interface PageElement {
  readonly tagName: string
  readonly clientWidth: number
  readonly scrollWidth: number
  getAttribute(name: string): string | null
}
interface PageDocument {
  readonly body: { readonly dataset: Record<string, string | undefined> }
  readonly documentElement: PageElement
  querySelector(selector: string): PageElement | null
  querySelectorAll(selector: string): Iterable<PageElement>
}
interface PageWindow {
  readonly document: PageDocument
  readonly innerWidth: number
  readonly location: { hash: string; readonly origin: string }
}

/** Run in the page: every element wider inside than its box, and a page wider than the viewport. */
function clipped(): string[] {
  const page = globalThis as unknown as PageWindow
  const out: string[] = []
  if (page.document.documentElement.scrollWidth > page.innerWidth) out.push(`the page is ${page.document.documentElement.scrollWidth} px wide`)
  for (const element of page.document.querySelectorAll('body *')) {
    if (element.clientWidth > 0 && element.scrollWidth > element.clientWidth + 1) out.push(`${element.tagName.toLowerCase()}.${element.getAttribute('class') ?? ''} ${element.scrollWidth} > ${element.clientWidth}`)
  }
  return out
}

if (!existsSync(CHROMIUM)) console.warn(`console browser test skipped: ${CHROMIUM} is not installed (apt-get install --no-install-recommends chromium)`)

describe.skipIf(!existsSync(CHROMIUM))('the console in chromium', () => {
  const temp = scratchDirs('console-test-')
  let root: string
  let store: EventStore
  let server: RunningServer
  let browser: Browser
  let pinned: BrowserContext
  let ledgerKey: string
  const ids: Record<string, string> = {}

  beforeAll(async () => {
    root = temp()
    const dir = join(root, 'demo')
    // The demo drives every stage (governance to deployment fees); dist/ is built before tests run.
    await run(process.execPath, ['dist/api/cli/main.js', 'demo', '--data', dir, '--json'], { maxBuffer: 64 << 20 })
    const built = await buildConsole(join(root, 'console'))
    ;({ store } = await openLedger(dir))
    ledgerKey = store.ledgerPublicKey
    server = await startServer({ store, logger: pino({ level: 'silent' }), consoleDir: built.dir, limits: { perIp: { perSecond: 10_000, burst: 10_000 } } })
    for (const [name, path] of [['deployment', 'deployments'], ['proposal', 'proposals'], ['datanet', 'datanets'], ['job', 'jobs'], ['model', 'models']] as const) {
      const page = (await (await fetch(`${server.url}/v1/${path}`)).json()) as { items: { id?: string; mandateId?: string }[] }
      const first = page.items[0]
      ids[name] = first?.id ?? first?.mandateId ?? ''
      expect(ids[name], `the demo ledger has a ${name}`).toMatch(/^[0-9a-f]{64}$/)
    }
    // An executable proposal (the demo's parameter change): its page has the actions table.
    const proposals = (await (await fetch(`${server.url}/v1/proposals?limit=1000`)).json()) as { items: { id: string; type: string }[] }
    ids.actions = proposals.items.find((p) => p.type === 'actions')?.id ?? ''
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS })
    pinned = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  }, 400_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    await store?.close()
  })

  /** A browser context that has the ledger key pinned already, as a returning user's browser has. */
  async function pinnedContext(width: number): Promise<BrowserContext> {
    const context = await browser.newContext({ viewport: { width, height: 900 } })
    await context.addInitScript(`localStorage.setItem('model-ledger.console.pinned-key@' + location.origin, ${JSON.stringify(ledgerKey)})`)
    return context
  }

  /** Opens a route: a fresh load the first time, then a hash change (the page keeps its replay, as a user's tab does). */
  async function open(page: Page, route: string): Promise<{ ok: string[]; failed: string[]; unchecked: string[] }> {
    if (page.url() === `${server.url}/console/#${route}`) await page.reload()
    else if (page.url().startsWith(`${server.url}/console/`)) {
      await page.evaluate((hash) => {
        const window = globalThis as unknown as PageWindow
        window.document.body.dataset.state = 'navigating'
        window.location.hash = hash
      }, route)
    } else await page.goto(`${server.url}/console/#${route}`)
    await page.waitForFunction(() => ['ready', 'error'].includes((globalThis as unknown as PageWindow).document.body.dataset.state ?? ''), undefined, { timeout: 120_000 })
    expect(await page.getAttribute('body', 'data-state'), `${route} loaded`).toBe('ready')
    const verdicts = async (verdict: string) => page.locator(`.checks li[data-verdict="${verdict}"]`).allTextContents()
    return { ok: await verdicts('ok'), failed: await verdicts('failed'), unchecked: await verdicts('unchecked') }
  }

  it('verifies nothing until a key is pinned, then pins the key the user confirms', async () => {
    const page = await pinned.newPage()
    const before = await open(page, '/')
    expect(before.ok).toEqual([])
    expect(before.unchecked.join(' ')).toContain('no ledger key is pinned')
    await page.click('#pin-fill')
    expect(await page.inputValue('#pin-input')).toBe(ledgerKey)
    await page.click('#pin-button')
    await page.waitForFunction(() => {
      const { document } = globalThis as unknown as PageWindow
      return document.body.dataset.state === 'ready' && document.querySelector('.pin.pinned') !== null
    }, undefined, { timeout: 120_000 })
    const after = await open(page, '/')
    expect(after.failed).toEqual([])
    expect(after.ok.join('\n')).toMatch(/replayed the log from sequence 1 to \d+/)
    expect(after.ok.join('\n')).toContain('/tlog/checkpoint')
    await page.close()
  })

  it('refuses to pin what is not an Ed25519 key', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await open(page, '/')
    await page.fill('#pin-input', 'ab'.repeat(31))
    await page.click('#pin-button')
    await expect.poll(() => page.locator('#pin-form .detail').textContent()).toContain('64 lower-case hex')
    await context.close()
  })

  it('loads every page and every check passes on an honest server', async () => {
    const page = await pinned.newPage()
    const routes = [
      '/checkpoints', '/events', '/events?type=VoteCast', '/events/1', '/events/40', '/accounts', '/proposals', `/proposals/${ids.proposal}`,
      '/datanets', `/datanets/${ids.datanet}`, '/contributions', '/jobs', `/jobs/${ids.job}`, '/models', `/models/${ids.model}`,
      '/deployments', `/deployments/${ids.deployment}`, `/lineage/${ids.deployment}`, `/datasheet/${ids.datanet}`,
      '/parameters', '/appeals', '/disputes',
    ]
    for (const route of routes) {
      const result = await open(page, route)
      expect(result.failed, route).toEqual([])
      expect(result.ok.length, `${route} verified something`).toBeGreaterThan(0)
    }
    const event = await open(page, '/events/40')
    expect(event.ok.join('\n')).toContain('inclusion proof')
    expect(event.ok.join('\n')).toContain('signed command')
    await page.close()
  }, 300_000)

  it('shows executable proposals with their actions, votes with reasons and outcome; the parameter change with its sequence; the upheld appeal', async () => {
    type Item = { id: string; type: string; status: string; actions: { action: { kind: string; name?: string }; executed: { sequence: number } | null }[] }
    const proposals = (await (await fetch(`${server.url}/v1/proposals?limit=1000`)).json()) as { items: Item[] }
    const change = proposals.items.find((p) => p.actions.some((a) => a.action.kind === 'change-parameter' && a.action.name === 'appealBond'))
    const resolve = proposals.items.find((p) => p.actions.some((a) => a.action.kind === 'resolve-appeal'))
    expect(change?.status, 'the demo executed its parameter change').toBe('executed')
    expect(resolve?.status, 'the demo executed its appeal resolution').toBe('executed')
    const changedAt = change?.actions[0]?.executed?.sequence
    expect(changedAt).toBeGreaterThan(1)
    const page = await pinned.newPage()

    const list = await open(page, '/proposals')
    expect(list.failed).toEqual([])
    expect(await page.locator('main table').textContent()).toContain('Halve the appeal bond')

    const detail = await open(page, `/proposals/${change?.id ?? ''}`)
    expect(detail.failed).toEqual([])
    const text = (await page.locator('main').textContent()) ?? ''
    expect(text).toMatch(/executed at the log’s head/)
    expect(text).toContain('change-parameter')
    expect(text).toContain('set appealBond to')
    expect(text).toContain(`from sequence ${changedAt}: ParameterChanged #${changedAt}; "100000000000000000000" → "50000000000000000000"`)
    expect(text).toContain('a contributor slashed 100 OPEN should not have to risk 100 more to be heard')
    expect(text).toContain('a cheaper appeal invites an appeal of every slash')

    const parameters = await open(page, '/parameters')
    expect(parameters.failed).toEqual([])
    expect(parameters.ok.join('\n')).toMatch(/Parameter changes: 1 rows, each equal to the row the signed log gives/)
    const history = (await page.locator('main table').nth(1).textContent()) ?? ''
    expect(history).toContain(String(changedAt))
    expect(history).toContain('appealBond')
    expect(history).toContain('50000000000000000000')

    const appeals = await open(page, '/appeals')
    expect(appeals.failed).toEqual([])
    const appealRow = (await page.locator('main table tbody tr').first().textContent()) ?? ''
    expect(appealRow).toContain('upheld')
    expect(appealRow).toMatch(/\d OPEN/)
    const appealId = ((await (await fetch(`${server.url}/v1/appeals`)).json()) as { items: { id: string; proposalId: string }[] }).items[0]
    expect(appealId?.proposalId).toBe(resolve?.id)
    const appeal = await open(page, `/appeals/${appealId?.id ?? ''}`)
    expect(appeal.failed).toEqual([])
    expect(await page.locator('main').textContent()).toMatch(/reversed\s*\d[\d,.]* OPEN/)
    await page.close()
  }, 300_000)

  it('shows lineage summary first, amounts in OPEN, and a diagram with labelled relations', async () => {
    const page = await pinned.newPage()
    await open(page, `/lineage/${ids.deployment}`)
    const headings = await page.locator('main h2').allTextContents()
    expect(headings.slice(1, 4)).toEqual(['Summary', 'Diagram', 'What each item states'])
    const summary = await page.locator('.summary').textContent()
    expect(summary).toMatch(/target\s*deployment/)
    expect(summary).toMatch(/licences/)
    expect(summary).toMatch(/\d OPEN/)
    expect(summary).not.toMatch(/\d{19,}/)
    expect(await page.locator('svg.diagram text.relation').count()).toBeGreaterThan(3)
    expect(await page.locator('main').textContent()).not.toContain('null')
    await page.close()
  })

  it('flags an event changed by one byte in the log the server sends', async () => {
    const page = await pinned.newPage()
    await page.route('**/v1/log?**', async (route) => {
      const response = await route.fetch()
      const lines = (await response.text()).split('\n')
      const at = lines.findIndex((line) => line.startsWith('{"event":') && line.includes('"sequence":7,'))
      if (at >= 0) lines[at] = (lines[at] as string).replace(/"recordedAt":"(.*?)(\d)Z"/, (_, head: string, digit: string) => `"recordedAt":"${head}${(Number(digit) + 1) % 10}Z"`)
      await route.fulfill({ response, body: lines.join('\n') })
    })
    const result = await open(page, '/events')
    expect(result.failed.join('\n')).toMatch(/sequence 7: hash does not match/)
    expect(await page.locator('.checks .alert').textContent()).toContain('Verification FAILED')
    await page.close()
  })

  it('flags a balance changed by one digit', async () => {
    const context = await pinnedContext(1280)
    const page = await context.newPage()
    await page.route('**/v1/accounts?**', async (route) => {
      const response = await route.fetch()
      const body = (await response.text()).replace(/"open":"(\d*?)(\d)"/, (_, head: string, digit: string) => `"open":"${head}${(Number(digit) + 1) % 10}"`)
      await route.fulfill({ response, body })
    })
    const result = await open(page, '/accounts')
    expect(result.failed.join('\n')).toMatch(/account:[0-9a-f]{64} is not the row the signed log gives/)
    await context.close()
  })

  it('flags a single event changed by one byte', async () => {
    const page = await pinned.newPage()
    await page.route('**/v1/events/40', async (route) => {
      const response = await route.fetch()
      const body = (await response.text()).replace(/"streamVersion":(\d+)/, (_, v: string) => `"streamVersion":${Number(v) + 1}`)
      await route.fulfill({ response, body })
    })
    const result = await open(page, '/events/40')
    expect(result.failed.join('\n')).toContain('hash does not match the envelope contents')
    await page.close()
  })

  it('fits the main pages at 1280 and 800 px: nothing wider than its box or the viewport', async () => {
    const routes = ['/', '/checkpoints', '/events', '/events/40', '/accounts', '/proposals', `/proposals/${ids.proposal}`, `/proposals/${ids.actions}`, '/parameters', '/appeals', `/jobs/${ids.job}`, `/deployments/${ids.deployment}`, `/lineage/${ids.deployment}`, `/datasheet/${ids.datanet}`]
    for (const width of [1280, 800]) {
      const context = await pinnedContext(width)
      const page = await context.newPage()
      for (const route of routes) {
        await open(page, route)
        expect(await page.evaluate(clipped), `${route} at ${width} px`).toEqual([])
        await page.screenshot({ path: join(process.env.CONSOLE_SCREENSHOTS ?? root, `${width}-${route.replace(/[^a-z0-9]+/gi, '_').slice(0, 40)}.png`), fullPage: true })
      }
      await context.close()
    }
  }, 300_000)

  it('prints without navigation or forms', async () => {
    const page = await pinned.newPage()
    await open(page, `/lineage/${ids.deployment}`)
    await page.emulateMedia({ media: 'print' })
    expect(await page.locator('nav').isVisible()).toBe(false)
    expect(await page.locator('.checks').isVisible()).toBe(true)
    const pdf = await page.pdf({ format: 'A4' })
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-')
    await page.close()
  })
})
