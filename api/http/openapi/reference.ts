/**
 * The readable API reference at /docs: one self-contained page (no scripts, no external assets)
 * rendered from the OpenAPI document itself, so it shows what the document says: every operation
 * by tag with its parameters, request and response schemas and examples, every schema as a table of
 * its members, and the problem types.
 */
import { PROBLEM_KINDS } from '../problem.js'
import { openApiDocument } from './document.js'
import { GATEWAY_PROBLEM_EXAMPLE, PROBLEM_EXAMPLE } from './examples.js'
import type { JsonSchema } from './schema.js'

interface MediaType {
  readonly schema?: JsonSchema
  readonly example?: unknown
}
interface Response {
  readonly description: string
  readonly content?: Readonly<Record<string, MediaType>>
}
interface OperationObject {
  readonly tags: readonly string[]
  readonly summary: string
  readonly operationId: string
  readonly security?: readonly Record<string, unknown>[]
  readonly parameters?: readonly { name: string; in: string; description: string; required: boolean; schema: JsonSchema }[]
  readonly requestBody?: { readonly content: Readonly<Record<string, MediaType>> }
  readonly responses: Readonly<Record<string, Response>>
}
interface Document {
  readonly info: { readonly title: string; readonly description: string }
  readonly tags: readonly { name: string; description: string }[]
  readonly paths: Readonly<Record<string, Readonly<Record<string, OperationObject>>>>
  readonly components: { readonly schemas: Readonly<Record<string, JsonSchema>> }
}

const escape = (text: string): string => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c)
const code = (text: string): string => `<code>${escape(text)}</code>`
const anchor = (name: string): string => `schema-${name}`

/** A schema in one line: a link for a named component, else its type with what constrains it. */
export function typeOf(schema: JsonSchema | undefined): string {
  if (schema === undefined) return 'any'
  const ref = schema.$ref
  if (typeof ref === 'string') {
    const name = ref.slice(ref.lastIndexOf('/') + 1)
    return `<a href="#${anchor(name)}">${escape(name)}</a>`
  }
  if (schema.const !== undefined) return code(JSON.stringify(schema.const))
  if (Array.isArray(schema.enum)) return (schema.enum as unknown[]).map((v) => code(JSON.stringify(v))).join(' | ')
  for (const key of ['anyOf', 'allOf'] as const) {
    const parts = schema[key]
    if (Array.isArray(parts)) return (parts as JsonSchema[]).map(typeOf).join(key === 'anyOf' ? ' | ' : ' &amp; ')
  }
  if (schema.type === 'array') return `array of ${typeOf(schema.items as JsonSchema | undefined)}`
  if (schema.type === 'object' && schema.properties === undefined && typeof schema.additionalProperties === 'object') return `map of string to ${typeOf(schema.additionalProperties as JsonSchema)}`
  if (typeof schema.type === 'string') {
    const bounds = [schema.pattern === undefined ? '' : ` matching ${code(String(schema.pattern))}`, schema.minimum === undefined ? '' : ` ≥ ${String(schema.minimum)}`, schema.maximum === undefined ? '' : ` ≤ ${String(schema.maximum)}`]
    return `${escape(schema.type)}${bounds.join('')}`
  }
  return typeof schema.description === 'string' ? escape(schema.description) : 'any JSON value'
}

/** An intersection of inline objects (`allOf`) reads as one object: its members together. */
function merged(schema: JsonSchema): JsonSchema {
  const parts = schema.allOf as JsonSchema[] | undefined
  if (parts === undefined || !parts.every((part) => part.properties !== undefined)) return schema
  return { properties: Object.assign({}, ...parts.map((part) => part.properties)), required: parts.flatMap((part) => (part.required as string[] | undefined) ?? []) }
}

function members(whole: JsonSchema): string {
  const schema = merged(whole)
  const properties = schema.properties as Record<string, JsonSchema> | undefined
  if (properties === undefined) {
    const parts = (schema.anyOf ?? schema.allOf) as JsonSchema[] | undefined
    return `<p>${parts === undefined ? typeOf(schema) : `${schema.anyOf === undefined ? 'All of' : 'One of'}: ${parts.map(typeOf).join(schema.anyOf === undefined ? ', ' : ' | ')}`}</p>`
  }
  const required = new Set((schema.required as string[] | undefined) ?? [])
  const rows = Object.entries(properties).map(([name, member]) => `<tr><td>${code(name)}${required.has(name) ? '' : ' <small>(optional)</small>'}</td><td>${typeOf(member)}</td></tr>`)
  return `<table><tr><th>Member</th><th>Type</th></tr>${rows.join('')}</table>${schema.additionalProperties === false ? '<p><small>No other members are accepted.</small></p>' : ''}`
}

function media(content: Readonly<Record<string, MediaType>> | undefined): string {
  if (content === undefined) return '<i>no body</i>'
  return Object.entries(content)
    .map(([type, m]) => {
      const example = m.example === undefined ? '' : `<details><summary>Example</summary><pre>${escape(JSON.stringify(m.example, null, 2))}</pre></details>`
      return `<div>${code(type)}: ${typeOf(m.schema)}${example}</div>`
    })
    .join('')
}

function operation(method: string, path: string, op: OperationObject): string {
  const params = (op.parameters ?? []).map((p) => `<li>${code(p.name)} (${p.in}${p.required ? ', required' : ''}, ${typeOf(p.schema)}): ${escape(p.description)}</li>`).join('')
  const responses = Object.entries(op.responses)
    .filter(([status]) => !status.endsWith('XX'))
    .map(([status, r]) => `<li><b>${status}</b> ${media(r.content)}</li>`)
    .join('')
  return `<section class="op" id="${escape(op.operationId)}"><h3><span class="method">${method.toUpperCase()}</span> ${code(path)}</h3><p>${escape(op.summary)}${op.security === undefined ? '' : ' <small>(needs <code>Authorization: Bearer</code> API key)</small>'}</p>
${params === '' ? '' : `<h4>Parameters</h4><ul>${params}</ul>`}${op.requestBody === undefined ? '' : `<h4>Request body</h4>${media(op.requestBody.content)}`}<h4>Responses</h4><ul>${responses}<li><b>4XX, 5XX</b> <a href="#problems">a problem</a></li></ul></section>`
}

let cached: string | undefined

export function referencePage(): string {
  if (cached !== undefined) return cached
  const doc = openApiDocument() as Document
  const sections = doc.tags.map((tag) => {
    const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).filter(([, op]) => op.tags.includes(tag.name)).map(([method, op]) => operation(method, path, op)))
    return ops.length === 0 ? '' : `<h2 id="tag-${escape(tag.name.replace(/\s+/g, '-'))}">${escape(tag.name)}</h2><p>${escape(tag.description)}</p>${ops.join('')}`
  })
  const toc = doc.tags.map((tag) => `<a href="#tag-${escape(tag.name.replace(/\s+/g, '-'))}">${escape(tag.name)}</a>`).join(' · ')
  const schemas = Object.entries(doc.components.schemas)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, schema]) => `<section id="${anchor(name)}"><h3>${escape(name)}</h3>${members(schema)}</section>`)
  const problems = Object.entries(PROBLEM_KINDS).map(([kind, p]) => `<tr><td><code>/problems/${kind}</code></td><td>${p.status}</td><td>${escape(p.title)}</td></tr>`)
  cached = `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>model-ledger HTTP API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem .4rem;text-align:left;vertical-align:top}code{background:#f4f4f4;padding:0 .2rem;overflow-wrap:anywhere}pre{background:#f7f7f7;padding:.5rem;overflow-x:auto;font-size:13px}.op{border-top:1px solid #ccc;margin-top:1rem}.method{font-family:monospace;font-weight:bold}h4{margin:.5rem 0 .2rem}details{margin:.2rem 0 .4rem 1rem}</style>
<h1>model-ledger HTTP API</h1>
<p>${escape(doc.info.description)}</p>
<p>Commands are signed by their actor (Ed25519 over SHA-256 of the RFC 8785 canonical command) and posted to <code>/v1/commands</code>. Everything else reads the log or the read models. The machine-readable description is <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1, generated from the codecs); this page is rendered from it.</p>
<p>${toc} · <a href="#schemas">Schemas</a> · <a href="#problems">Problems</a></p>
${sections.join('\n')}
<h2 id="schemas">Schemas</h2>${schemas.join('\n')}
<h2 id="problems">Problems</h2><p>Errors are <code>application/problem+json</code> (RFC 9457) with one of these types; domain refusals carry the rule's <code>code</code>. Every response has an <code>X-Request-Id</code>; every 429 and 503 a <code>Retry-After</code>.</p>
<table><tr><th>type</th><th>status</th><th>title</th></tr>${problems.join('')}</table>
<p>A problem from the ledger API, and one from the gateway (which also carries OpenAI's <code>error</code>, whose <code>param</code> names the request member at fault):</p>
<pre>${escape(JSON.stringify(PROBLEM_EXAMPLE, null, 2))}</pre><pre>${escape(JSON.stringify(GATEWAY_PROBLEM_EXAMPLE, null, 2))}</pre></html>`
  return cached
}
