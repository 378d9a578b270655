/** The readable API reference at /docs: one self-contained page rendered from the operation list and problem kinds. */
import { PROBLEM_KINDS } from '../problem.js'
import { OPERATIONS } from './document.js'

const escape = (text: string): string => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c)

let cached: string | undefined

export function referencePage(): string {
  if (cached !== undefined) return cached
  const rows = OPERATIONS.map((op) => {
    const params = (op.params ?? []).map((p) => `<code>${escape(p.name)}</code> (${p.in}): ${escape(p.description)}`).join('<br>')
    return `<tr><td><b>${op.method.toUpperCase()}</b></td><td><code>${escape(op.path)}</code></td><td>${escape(op.summary)}${params === '' ? '' : `<br><small>${params}</small>`}</td><td>${Object.keys(op.responses).join(', ')}</td></tr>`
  })
  const problems = Object.entries(PROBLEM_KINDS).map(([kind, p]) => `<tr><td><code>/problems/${kind}</code></td><td>${p.status}</td><td>${escape(p.title)}</td></tr>`)
  cached = `<!doctype html><html lang="en"><meta charset="utf-8"><title>model-ledger HTTP API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}code{background:#f4f4f4;padding:0 .2rem}</style>
<h1>model-ledger HTTP API</h1>
<p>Commands are signed by their actor (Ed25519 over SHA-256 of the RFC 8785 canonical command) and posted to <code>/v1/commands</code>. Everything else reads the log or the read models. The machine-readable description is <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1, generated from the codecs).</p>
<h2>Operations</h2><table><tr><th>Method</th><th>Path</th><th>What</th><th>Status</th></tr>${rows.join('')}</table>
<h2 id="problems">Problems</h2><p>Errors are <code>application/problem+json</code> (RFC 9457) with one of these types; domain refusals carry the rule's <code>code</code>. Every response has an <code>X-Request-Id</code>.</p>
<table><tr><th>type</th><th>status</th><th>title</th></tr>${problems.join('')}</table></html>`
  return cached
}
