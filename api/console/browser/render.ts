/** Read-model values for people: amounts in OPEN (exact, from base units), ids linked, times as written. */
import type { JsonValue } from '../../../domain/json.js'
import { AMOUNT_FIELDS, formatOpen, GOPEN_FIELDS } from './amounts.js'
import { facts, h, hexId, table, type Child } from './dom.js'

const BASE_UNITS = /^\d{1,78}$/
const HEX64 = /^[0-9a-f]{64}$/

/** Where an id of a given member name leads in the console, when it names something it has a page for. */
const LINKS: Readonly<Record<string, string>> = {
  proposalId: 'proposals', appealId: 'appeals', disputeId: 'disputes', mandateId: 'models', datanetId: 'datanets', jobId: 'jobs', deploymentId: 'deployments', commandHash: 'commands',
}

function isRecord(value: JsonValue): value is { readonly [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** One member's value. */
export function value(name: string, v: JsonValue, compact = false): Child {
  if (v === null) return h('span', { class: 'none' }, '—')
  if (typeof v === 'string') {
    if (BASE_UNITS.test(v) && AMOUNT_FIELDS.has(name)) return h('span', { class: 'amount', title: `${v} base units` }, formatOpen(v))
    if (BASE_UNITS.test(v) && GOPEN_FIELDS.has(name)) return h('span', { class: 'amount', title: `${v} base units` }, formatOpen(v, 'gOPEN'))
    if (HEX64.test(v)) {
      const page = LINKS[name]
      return page === undefined ? hexId(v, compact) : h('a', { href: `#/${page}/${v}` }, hexId(v, compact))
    }
    return v
  }
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (Array.isArray(v)) {
    if (v.length === 0) return h('span', { class: 'none' }, 'none')
    const rows = v.filter(isRecord)
    if (rows.length === v.length) {
      const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))]
      return table(columns, rows, (row) => columns.map((column) => value(column, row[column] ?? null, true)))
    }
    return h('ul', { class: 'plain' }, v.map((item) => h('li', {}, value(name, item, compact))))
  }
  return isRecord(v) ? record(v) : JSON.stringify(v)
}

/** A row as a definition list of its members. */
export function record(row: { readonly [key: string]: JsonValue }, omit: readonly string[] = ['kind']): HTMLElement {
  return facts(Object.entries(row).filter(([name]) => !omit.includes(name)).map(([name, v]) => [name, value(name, v)] as const))
}

/** Rows as a table of chosen members, the first linking to the row's own page. */
export function rowsTable(rows: readonly JsonValue[], columns: readonly string[], linkOf?: (row: { readonly [key: string]: JsonValue }) => string | undefined): HTMLElement {
  const records = rows.filter(isRecord)
  return table(columns, records, (row) =>
    columns.map((column, i) => {
      const cell = value(column, row[column] ?? null, true)
      const target = i === 0 ? linkOf?.(row) : undefined
      return target === undefined ? cell : h('a', { href: `#${target}` }, typeof row[column] === 'string' && HEX64.test(row[column] as string) ? hexId(row[column] as string, true) : cell)
    }),
  )
}
