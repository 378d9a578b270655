/**
 * Lineage as a compliance reader wants it: first a summary (the target, licences, contributors,
 * amounts in OPEN), then a diagram that fits the page with every relation labelled (and the same
 * relations as text), then the evidence: whole streams, each event with its inclusion proof and each
 * stream's head in the checkpoint's map, checked here (verify-report.ts). The
 * Annex IV datasheet is the server's text, held to the text the verified report gives.
 */
import type { LineageNode, NodeKind } from '../../../../projections/lineage/graph.js'
import { reportEvents, type LineageReport } from '../../../../projections/lineage/report-format.js'
import { renderDatasheet } from '../../../../projections/lineage/datasheet.js'
import { verifyLineageReport, type ReportCheck } from '../../../../projections/lineage/verify-report.js'
import { AMOUNT_FIELDS, formatOpen, formatOpenAmount, GOPEN_FIELDS, sumBaseUnits } from '../amounts.js'
import type { Context } from '../context.js'
import { facts, h, hexId, link, table, type Child } from '../dom.js'
import { crypto } from '../proofs.js'

const SVG = 'http://www.w3.org/2000/svg'
const BASE_UNITS = /^\d{1,78}$/

// Left to right as a deployment is traced back: usage, deployment, checkpoint, job, dataset, contributions.
const COLUMN: Record<NodeKind, number> = {
  usage: 0, 'reward-epoch': 0, deployment: 1, proposal: 1, checkpoint: 2, mandate: 2, 'training-job': 3, datanet: 3, 'dataset-version': 4, contribution: 5, 'preference-version': 4,
}
const KIND_LABEL: Record<NodeKind, string> = {
  usage: 'usage', 'reward-epoch': 'reward epoch', deployment: 'deployment', proposal: 'proposal', checkpoint: 'checkpoint', mandate: 'mandate',
  'training-job': 'training job', datanet: 'datanet', 'dataset-version': 'dataset version', contribution: 'contribution', 'preference-version': 'preference version',
}

/** "alice=1000…, bob=2000…" (payout lists in facts) with each amount in OPEN. */
function amountsInText(text: string): string {
  return text.replace(/=(\d{1,78})\b/g, (_, units: string) => `=${formatOpen(units)}`)
}

function fact(name: string, value: string | number | boolean | null): Child {
  if (value === null) return h('span', { class: 'none' }, '—')
  if (typeof value === 'string' && BASE_UNITS.test(value) && AMOUNT_FIELDS.has(name)) return h('span', { title: `${value} base units` }, formatOpen(value))
  if (typeof value === 'string' && BASE_UNITS.test(value) && GOPEN_FIELDS.has(name)) return h('span', { title: `${value} base units` }, formatOpen(value, 'gOPEN'))
  if (typeof value === 'string' && /^[0-9a-f]{64}$/.test(value)) return hexId(value)
  if (typeof value === 'string' && (name === 'payouts' || name === 'shares')) return amountsInText(value)
  return String(value)
}

function sumFacts(nodes: readonly LineageNode[], kind: NodeKind, name: string): bigint {
  return sumBaseUnits(nodes.filter((n) => n.kind === kind).map((n) => n.facts[name]).filter((v): v is string => typeof v === 'string' && BASE_UNITS.test(v)))
}

/** The node the report is about: the one whose id carries the target's id. */
function targetNode(report: LineageReport): LineageNode | undefined {
  const wanted = Object.values(report.graph.target).filter((v): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v))
  return report.graph.nodes.find((node) => wanted.some((id) => node.id.includes(id)) && node.kind === report.graph.target.kind) ?? report.graph.nodes.find((node) => wanted.some((id) => node.id.includes(id)))
}

function summary(report: LineageReport): HTMLElement {
  const nodes = report.graph.nodes
  const target = targetNode(report)
  const contributions = nodes.filter((n) => n.kind === 'contribution')
  const licences = new Map<string, number>()
  for (const c of contributions) licences.set(String(c.facts.licence), (licences.get(String(c.facts.licence)) ?? 0) + 1)
  const contributors = new Map<string, string>()
  for (const c of contributions) contributors.set(String(c.facts.contributorKey), String(c.facts.contributor))
  const accepted = contributions.filter((c) => c.facts.outcome === 'accepted' && c.facts.revoked !== true).length
  const totals: [string, bigint][] = [
    ['usage fees', sumFacts(nodes, 'usage', 'fees')],
    ['fees charged to consumers', sumFacts(nodes, 'usage', 'charged')],
    ['fees not yet paid', sumFacts(nodes, 'usage', 'unpaid')],
    ['mandate reward pools', sumFacts(nodes, 'mandate', 'rewardPool')],
    ['contribution bonds', sumFacts(nodes, 'contribution', 'bond')],
  ]
  return h(
    'section',
    { class: 'summary' },
    h('h2', {}, 'Summary'),
    facts([
      ['target', target === undefined ? '—' : `${KIND_LABEL[target.kind]}: ${target.label}`],
      ['licences', licences.size === 0 ? 'none recorded' : [...licences].map(([licence, n]) => `${licence} (${n} contribution${n === 1 ? '' : 's'})`).join(', ')],
      ['contributors', contributors.size === 0 ? 'none' : [...contributors].map(([key, name]) => (name === key.slice(0, 8) + '…' ? key : name)).join(', ')],
      ['contributions', `${contributions.length} in this lineage, ${accepted} accepted and not revoked`],
      ...totals.filter(([, total]) => total > 0n).map(([name, total]) => [name, h('span', { class: 'amount', title: `${total} base units` }, `${formatOpenAmount(total) ?? ''} OPEN`)] as const),
      ['proven under checkpoint', `#${report.head.sequence}`],
    ]),
  )
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Readonly<Record<string, string | number>>, text?: string): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag)
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value))
  if (text !== undefined) element.textContent = text
  return element
}

const BOX_W = 170
const BOX_H = 44
const GAP_X = 80
const GAP_Y = 16

/** The graph as an SVG whose viewBox scales to the page width; relations are written on their edges. */
function diagram(report: LineageReport): Element {
  const rows = new Map<number, number>()
  const at = new Map<string, { x: number; y: number }>()
  const used = [...new Set(report.graph.nodes.map((n) => COLUMN[n.kind]))].sort((a, b) => a - b)
  for (const node of report.graph.nodes) {
    const column = used.indexOf(COLUMN[node.kind])
    const row = rows.get(column) ?? 0
    rows.set(column, row + 1)
    at.set(node.id, { x: 10 + column * (BOX_W + GAP_X), y: 10 + row * (BOX_H + GAP_Y) })
  }
  const width = 20 + used.length * (BOX_W + GAP_X) - GAP_X
  const height = 20 + Math.max(1, ...rows.values()) * (BOX_H + GAP_Y)
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'lineage diagram', class: 'diagram', preserveAspectRatio: 'xMinYMin meet' })
  // Many edges of one relation from one node (a version including its contributions) are labelled once.
  const labelled = new Set<string>()
  for (const edge of report.graph.edges) {
    const a = at.get(edge.from)
    const b = at.get(edge.to)
    if (a === undefined || b === undefined) continue
    const [left, right] = a.x <= b.x ? [a, b] : [b, a]
    const x1 = left.x + BOX_W
    const y1 = left.y + BOX_H / 2
    const x2 = right.x === left.x ? right.x + BOX_W : right.x
    const y2 = right.y + BOX_H / 2
    root.append(svg('line', { x1, y1, x2, y2, class: 'edge' }))
    const group = `${edge.from}\n${edge.relation}`
    if (labelled.has(group)) continue
    labelled.add(group)
    const count = report.graph.edges.filter((e) => e.from === edge.from && e.relation === edge.relation).length
    root.append(svg('text', { x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 3, class: 'relation', 'text-anchor': 'middle' }, count > 1 ? `${edge.relation} (${count})` : edge.relation))
  }
  for (const node of report.graph.nodes) {
    const p = at.get(node.id) ?? { x: 0, y: 0 }
    const group = svg('g', { class: `node ${node.kind}` })
    group.append(
      svg('rect', { x: p.x, y: p.y, width: BOX_W, height: BOX_H, rx: 6 }),
      svg('text', { x: p.x + 8, y: p.y + 17, class: 'kind' }, `${KIND_LABEL[node.kind]} · #${node.sequence}`),
      svg('text', { x: p.x + 8, y: p.y + 34 }, node.label.length > 26 ? `${node.label.slice(0, 25)}…` : node.label),
    )
    root.append(group)
  }
  return root
}

function relations(report: LineageReport): HTMLElement {
  const label = new Map(report.graph.nodes.map((n) => [n.id, `${KIND_LABEL[n.kind]} “${n.label}”`]))
  return h('ul', { class: 'relations' }, report.graph.edges.map((e) => h('li', {}, label.get(e.from) ?? e.from, ' ', h('em', {}, e.relation), ' ', label.get(e.to) ?? e.to)))
}

async function verifiedReport(ctx: Context, id: string): Promise<{ report: LineageReport; check: ReportCheck | undefined }> {
  const report = (await ctx.api.json<LineageReport>(`/v1/lineage/${id}`)).body
  if (ctx.key === undefined) {
    ctx.checks.unchecked('the lineage report', 'no ledger key is pinned')
    return { report, check: undefined }
  }
  const check = verifyLineageReport(report, ctx.key, crypto)
  if (check.ok) ctx.checks.ok(`the lineage report: ${check.streams} streams, whole as of checkpoint #${check.checkpoint} (tree size ${check.treeSize}) signed by the pinned key: each stream's head is in the checkpoint's stream map, each of its ${check.events} events has an inclusion proof, and the graph rebuilt from them alone is the graph shown`, 'it proves the streams cited are complete at that checkpoint, not what came after it')
  else ctx.checks.fail('the lineage report', check.problems.slice(0, 3).join('; '))
  return { report, check }
}

export async function lineagePage(ctx: Context): Promise<Node[]> {
  const id = ctx.args[0] ?? ''
  const { report, check } = await verifiedReport(ctx, id)
  const status = check === undefined ? 'not checked' : check.ok ? '✓ verified' : '✗ FAILED'
  return [
    summary(report),
    h('p', { class: 'no-print' }, link(`/datasheet/${id}`, 'Annex IV datasheet for this lineage →')),
    h('h2', {}, 'Diagram'),
    h('figure', { class: 'diagram-wrap' }, diagram(report), h('figcaption', {}, 'Each arrow is labelled with its relation; the same relations follow as text.')),
    relations(report),
    h('h2', {}, 'What each item states'),
    ...report.graph.nodes.map((node) =>
      h(
        'section',
        { class: 'node-facts' },
        h('h3', {}, `${KIND_LABEL[node.kind]}: ${node.label}`),
        facts([...Object.entries(node.facts).map(([name, value]) => [name, fact(name, value)] as const), ['evidence', h('span', {}, node.evidence.map((s) => link(`/events/${s}`, `#${s}`)).flatMap((a, i) => (i === 0 ? [a] : [', ', a])))]]),
      ),
    ),
    h('h2', {}, 'Evidence'),
    table(['sequence', 'event', 'stream', 'recorded at', 'inclusion proof'], reportEvents(report), (event) => [
      link(`/events/${event.sequence}`, `#${event.sequence}`),
      event.type,
      event.stream,
      event.recordedAt,
      status,
    ]),
  ]
}

/** A small Markdown subset (headings, list items, paragraphs, `code`) as elements. */
function markdown(text: string): Node[] {
  const out: Node[] = []
  let list: HTMLElement | undefined
  const inline = (line: string): Child[] => line.split(/(`[^`]*`)/).map((part) => (part.startsWith('`') && part.endsWith('`') && part.length > 1 ? h('code', {}, part.slice(1, -1)) : part))
  for (const line of text.split('\n')) {
    const heading = /^(#{1,3}) (.*)$/.exec(line)
    if (line.startsWith('- ')) {
      list ??= out[out.push(h('ul', {})) - 1] as HTMLElement
      list.append(h('li', {}, ...inline(line.slice(2))))
      continue
    }
    list = undefined
    if (heading !== null) out.push(h(heading[1] === '#' ? 'h2' : 'h3', {}, heading[2] ?? ''))
    else if (line.trim() !== '') out.push(h('p', {}, ...inline(line)))
  }
  return out
}

export async function datasheetPage(ctx: Context): Promise<Node[]> {
  const id = ctx.args[0] ?? ''
  const { report } = await verifiedReport(ctx, id)
  const sheet = await ctx.api.text(`/v1/lineage/${id}?format=datasheet`)
  if (ctx.key !== undefined) ctx.checks.expect('the datasheet is exactly the text the verified report gives (projections/lineage/datasheet.ts, run here)', sheet === renderDatasheet(report) ? undefined : 'the server\'s datasheet differs from the one its verified report gives')
  return [h('p', { class: 'no-print' }, link(`/lineage/${id}`, '← lineage')), h('article', { class: 'datasheet' }, ...markdown(sheet))]
}
