/**
 * A datasheet for a dataset version, generated from the log: what EU AI Act Annex IV 2(d) and
 * Article 10(2) ask about training data (provenance, collection, selection, labelling and
 * validation, cleaning, known gaps), each statement citing the sequences behind it.
 */
import type { LineageNode } from './graph.js'
import type { LineageReport } from './report.js'

const facts = (node: LineageNode) => node.facts
const cite = (nodes: readonly LineageNode[]) => nodes.map((n) => `#${n.sequence}`).join(', ')

/** Training jobs, checkpoints and deployments in the lineage: where the data went (none for a dataset version alone). */
function use(nodes: readonly LineageNode[]): string[] {
  const jobs = nodes.filter((n) => n.kind === 'training-job')
  const checkpoints = nodes.filter((n) => n.kind === 'checkpoint')
  const deployments = nodes.filter((n) => n.kind === 'deployment')
  if (jobs.length + checkpoints.length + deployments.length === 0) return []
  return [
    '## Use in training and deployment (Annex IV 2(d): training methodologies)',
    ...jobs.map((j) => `- ${j.label}: executor ${String(facts(j).executor)}, hyperparameters ${String(facts(j).hyperparameters)}, seed ${String(facts(j).seed)}, dataset version ${String(facts(j).datasetVersion)} (root ${String(facts(j).datasetRoot)}), ${String(facts(j).status)} (${j.evidence.map((s) => `#${s}`).join(', ')}).`),
    ...checkpoints.map((k) => `- ${k.label}, root ${String(facts(k).root)}; evaluations: ${String(facts(k).evaluations ?? 'none')} (#${k.sequence}).`),
    ...deployments.map((d) => `- ${d.label} at ${String(facts(d).endpoint)}, ${String(facts(d).status)}; rollbacks: ${String(facts(d).rollbacks ?? 'none')} (#${d.sequence}).`),
    '',
  ]
}

export function renderDatasheet(report: LineageReport): string {
  const nodes = report.graph.nodes
  const contributions = nodes.filter((n) => n.kind === 'contribution')
  const versions = nodes.filter((n) => n.kind === 'dataset-version')
  const datanets = nodes.filter((n) => n.kind === 'datanet')
  const mandates = nodes.filter((n) => n.kind === 'mandate')
  const proposals = nodes.filter((n) => n.kind === 'proposal')
  const licences = new Map<string, number>()
  for (const c of contributions) licences.set(String(facts(c).licence), (licences.get(String(facts(c).licence)) ?? 0) + 1)
  const contributors = new Set(contributions.map((c) => String(facts(c).contributorKey)))
  const revoked = contributions.filter((c) => facts(c).revoked === true)
  const rejected = contributions.filter((c) => facts(c).outcome !== 'accepted')
  const lines = [
    `# Datasheet: ${versions.map((v) => v.label).join(', ') || 'dataset'}`,
    '',
    `Generated from ledger ${report.ledgerPublicKey} as of checkpoint #${report.head.sequence} (tree size ${report.head.sequence - 1}). Every statement cites the ledger sequences behind it; \`model-ledger verify-report\` checks them.`,
    '',
    '## Purpose and mandate (Annex IV 2(d): design choices)',
    ...mandates.map((m) => `- Mandate "${m.label}", evaluation rubric ${String(facts(m).rubric)}, reward pool ${String(facts(m).rewardPool)} base units (#${m.sequence}).`),
    ...proposals.map((p) => `- Approved by governance vote: for ${String(facts(p).for)}, against ${String(facts(p).against)} (voters: ${String(facts(p).voters)}) (${p.evidence.map((s) => `#${s}`).join(', ')}).`),
    '',
    '## Provenance and collection (Art. 10(2)(b))',
    ...datanets.map((d) => `- Collected through datanet ${d.id.split(':')[1] ?? ''}: media types ${String(facts(d).mediaTypes)}, licences allowed ${String(facts(d).licences)} (#${d.sequence}).`),
    `- ${contributions.length} contributions from ${contributors.size} contributors, each signed with the contributor's key (${cite(contributions)}).`,
    `- Licences: ${[...licences].map(([l, n]) => `${l} × ${n}`).join(', ') || 'none'}.`,
    '',
    '## Selection, labelling and validation (Art. 10(2)(c))',
    '- Each contribution was judged by staked validators (accept / reject / spam with quality and relevance scores); the outcome is the majority by weight (stake × trust, docs/governance.md) and quality the weighted median.',
    ...contributions.map((c) => `- ${c.label} by ${String(facts(c).contributor)}: ${String(facts(c).outcome)}, quality ${String(facts(c).quality)}, relevance ${String(facts(c).relevance)}; verdicts ${String(facts(c).verdicts)}.`),
    ...versions.map((v) => `- ${v.label}: ${String(facts(v).items)} items, ${String(facts(v).totalBytes)} bytes, Merkle root ${String(facts(v).root)} (#${v.sequence}).`),
    '',
    '## Cleaning (Art. 10(2)(c))',
    `- Rejected or spam: ${rejected.length === 0 ? 'none in this lineage' : cite(rejected)}. Only accepted, unrevoked contributions enter a dataset version.`,
    '',
    ...use(nodes),
    '## Known gaps and limitations (Art. 10(2)(f)–(h))',
    `- Consent withdrawn after sealing: ${revoked.length === 0 ? 'none' : revoked.map((c) => c.label).join(', ')}.`,
    `- Contributors: ${contributors.size}; a small number of sources limits representativeness.`,
    '- Statistical properties, bias examination and personal-data processing are not recorded in the ledger and must be documented separately.',
    '',
  ]
  return lines.join('\n')
}
