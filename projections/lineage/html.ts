/** A lineage report as one self-contained HTML page: a diagram of the graph, then every node's facts and evidence. */
import type { LineageNode, NodeKind } from './graph.js'
import type { LineageReport } from './report.js'

// Left to right, the way a deployment is traced: usage ← deployment → checkpoint → job → dataset
// version → contribution; the governance side (epoch, proposal, mandate, datanet) shares columns.
const COLUMNS: Record<NodeKind, number> = {
  usage: 0, 'reward-epoch': 0, deployment: 1, proposal: 1, checkpoint: 2, mandate: 2, 'training-job': 3, datanet: 3, 'dataset-version': 4, contribution: 5, 'preference-version': 4,
}
const COLORS: Record<NodeKind, string> = {
  proposal: '#e8eefc', mandate: '#e6f4ea', 'reward-epoch': '#fff4e0', datanet: '#f1e8fc', 'dataset-version': '#fde8ef', contribution: '#eef7f7',
  'training-job': '#fdf6d8', checkpoint: '#e3f2fd', deployment: '#fce4d6', usage: '#eeeeee', 'preference-version': '#fde8ef',
}
const COLUMN_COUNT = Math.max(...Object.values(COLUMNS)) + 1
const W = 190
const H = 46
const GAP_X = 60
const GAP_Y = 18

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

function layout(nodes: readonly LineageNode[]): Map<string, { x: number; y: number }> {
  const rows = new Map<number, number>()
  const at = new Map<string, { x: number; y: number }>()
  for (const node of nodes) {
    const column = COLUMNS[node.kind]
    const row = rows.get(column) ?? 0
    rows.set(column, row + 1)
    at.set(node.id, { x: 20 + column * (W + GAP_X), y: 20 + row * (H + GAP_Y) })
  }
  return at
}

function diagram(report: LineageReport): string {
  const at = layout(report.graph.nodes)
  const height = Math.max(...[...at.values()].map((p) => p.y + H), 100) + 20
  const width = 20 + COLUMN_COUNT * (W + GAP_X)
  const edges = report.graph.edges.map((edge) => {
    const a = at.get(edge.from)
    const b = at.get(edge.to)
    if (a === undefined || b === undefined) return ''
    const [left, right] = a.x <= b.x ? [a, b] : [b, a]
    return `<line x1="${left.x + W}" y1="${left.y + H / 2}" x2="${right.x}" y2="${right.y + H / 2}" stroke="#889" stroke-width="1.2"><title>${escape(edge.relation)}</title></line>`
  })
  const boxes = report.graph.nodes.map((node) => {
    const p = at.get(node.id) ?? { x: 0, y: 0 }
    return `<g><rect x="${p.x}" y="${p.y}" width="${W}" height="${H}" rx="6" fill="${COLORS[node.kind]}" stroke="#556"/><text x="${p.x + 8}" y="${p.y + 18}" font-size="11" font-weight="bold">${escape(node.kind)} · #${node.sequence}</text><text x="${p.x + 8}" y="${p.y + 34}" font-size="11">${escape(node.label.slice(0, 30))}</text></g>`
  })
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="lineage graph">${edges.join('')}${boxes.join('')}</svg>`
}

function nodeTable(report: LineageReport): string {
  return report.graph.nodes
    .map((node) => {
      const facts = Object.entries(node.facts).map(([k, v]) => `<tr><th>${escape(k)}</th><td>${escape(String(v))}</td></tr>`).join('')
      const evidence = node.evidence.map((s) => `#${s}`).join(' ')
      return `<section><h3>${escape(node.kind)}: ${escape(node.label)}</h3><table>${facts}<tr><th>evidence</th><td>${escape(evidence)}</td></tr></table></section>`
    })
    .join('\n')
}

export function renderLineageHtml(report: LineageReport): string {
  const target = escape(JSON.stringify(report.graph.target))
  const events = report.streams.reduce((sum, s) => sum + s.events.length, 0)
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lineage ${target}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#223}table{border-collapse:collapse;margin:4px 0 16px}th,td{border:1px solid #ccd;padding:3px 8px;text-align:left;vertical-align:top}th{background:#f4f5f8;font-weight:600}h3{margin:18px 0 4px}code{font-size:12px}</style></head>
<body>
<h1>Lineage report</h1>
<p>Target <code>${target}</code> · ledger key <code>${escape(report.ledgerPublicKey)}</code> · as of checkpoint #${report.head.sequence} (tree size ${report.head.sequence - 1}) · ${report.streams.length} streams, whole, ${events} events, each with its inclusion proof.</p>
<p>Check it offline: <code>model-ledger verify-report REPORT.json --key LEDGER_KEY</code> (the JSON form carries every event and proof).</p>
${diagram(report)}
<h2>Items</h2>
${nodeTable(report)}
</body></html>
`
}
