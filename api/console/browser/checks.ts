/**
 * What a page verified, said plainly: each check passed, failed (with the reason) or was not made
 * (with why not). A page with any failure shows an alert at its top; the list prints with the page.
 */
import { append, h } from './dom.js'

export type Verdict = 'ok' | 'failed' | 'unchecked'

export interface Check {
  readonly verdict: Verdict
  readonly what: string
  readonly detail: string | undefined
}

export class Checks {
  readonly items: Check[] = []
  private readonly listeners: (() => void)[] = []

  ok(what: string, detail?: string): void {
    this.add({ verdict: 'ok', what, detail })
  }

  fail(what: string, detail: string): void {
    this.add({ verdict: 'failed', what, detail })
  }

  unchecked(what: string, why: string): void {
    this.add({ verdict: 'unchecked', what, detail: why })
  }

  /** ok or fail by a fault reason (undefined means the check passed). */
  expect(what: string, fault: string | undefined, detail?: string): boolean {
    if (fault === undefined) this.ok(what, detail)
    else this.fail(what, fault)
    return fault === undefined
  }

  get failed(): boolean {
    return this.items.some((item) => item.verdict === 'failed')
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener)
  }

  private add(check: Check): void {
    this.items.push(check)
    for (const listener of this.listeners) listener()
  }
}

const MARK: Record<Verdict, string> = { ok: '✓ verified', failed: '✗ FAILED', unchecked: '– not checked' }

/** The panel: a live list that redraws as checks come in. */
export function checksPanel(checks: Checks): HTMLElement {
  const panel = h('section', { class: 'checks', 'aria-live': 'polite' })
  const draw = () => {
    const verdict = checks.failed ? 'failed' : checks.items.some((c) => c.verdict === 'ok') ? 'ok' : 'unchecked'
    panel.setAttribute('data-verdict', verdict)
    panel.replaceChildren()
    append(panel, [
      checks.failed ? h('p', { class: 'alert', role: 'alert' }, 'Verification FAILED: what the server sent does not match what the pinned ledger key signed. Do not rely on this page.') : null,
      h('h2', {}, 'What this page verified in your browser'),
      h(
        'ul',
        {},
        checks.items.map((check) =>
          h('li', { class: `check ${check.verdict}`, 'data-verdict': check.verdict }, h('strong', {}, MARK[check.verdict]), ' ', check.what, check.detail === undefined ? null : h('span', { class: 'detail' }, ` — ${check.detail}`)),
        ),
      ),
    ])
  }
  draw()
  checks.onChange(draw)
  return panel
}
