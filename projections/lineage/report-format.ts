/**
 * The lineage report (docs/lineage.md): a graph, the one checkpoint it is proven under, and every
 * stream the graph rests on, whole. For each stream, its head in the checkpoint's stream-heads
 * map (so the stream had exactly that many events) and every one of those events with its path in
 * the checkpoint's tree. Version 2 when the genesis key signed everything under the checkpoint;
 * version 3, after a key rotation, adds `rotations`: every LedgerKeyRotated event under the
 * checkpoint with its path in the checkpoint's tree, so a verifier holding the genesis key follows
 * the chain of keys to the one that signed the checkpoint. The codec is what a verifier accepts.
 */
import * as t from 'io-ts'
import { closed, Hex32, integer } from '../../domain/codec.js'
import { EnvelopeC, type Envelope } from '../../domain/ledger/envelope.js'
import { ProvenRotationC, type ProvenRotation } from '../../domain/ledger/proof.js'
import type { LineageGraph } from './graph.js'

export const REPORT_FORMAT = 'model-ledger-lineage-report'
/** Without rotations under the checkpoint. */
export const REPORT_VERSION = 2
/** With the rotations under the checkpoint, each proven in its tree. */
export const REPORT_VERSION_ROTATED = 3

const FactC = t.union([t.string, t.number, t.boolean, t.null])
const NodeKindC = t.keyof({
  proposal: null, mandate: null, datanet: null, 'dataset-version': null, contribution: null, 'reward-epoch': null, 'training-job': null, checkpoint: null, deployment: null, usage: null, 'preference-version': null,
})

const LineageNodeC = closed(
  { id: t.string, kind: NodeKindC, label: t.string, sequence: integer('sequence', 1), facts: t.record(t.string, FactC), evidence: t.array(integer('evidence', 1)) },
  'LineageNode',
)
const LineageEdgeC = closed({ from: t.string, to: t.string, relation: t.string }, 'LineageEdge')
const LineageTargetC = t.union([
  closed({ kind: t.literal('dataset-version'), datanetId: t.string, version: integer('version', 1) }),
  closed({ kind: t.literal('mandate'), mandateId: t.string }),
  closed({ kind: t.literal('contribution'), contentHash: t.string }),
  closed({ kind: t.literal('deployment'), deploymentId: t.string }),
  closed({ kind: t.literal('checkpoint'), root: t.string }),
  closed({ kind: t.literal('training-job'), jobId: t.string }),
])
const LineageGraphC = closed({ target: LineageTargetC, nodes: t.array(LineageNodeC), edges: t.array(LineageEdgeC) }, 'LineageGraph')

/** One event of a stream and its RFC 9162 path (leaf index sequence-1) in the checkpoint's tree. */
const StreamEventC = closed({ event: EnvelopeC, hashes: t.array(Hex32) }, 'StreamEvent')

/**
 * A whole stream as of the checkpoint: its head (the map leaf `{lastSequence, stream, version}`),
 * the head's leaf index and path in the checkpoint's stream-heads map, and events 1..version.
 */
export const StreamEvidenceC = closed(
  {
    stream: t.string,
    version: integer('version', 1),
    lastSequence: integer('lastSequence', 1),
    index: integer('index', 0),
    hashes: t.array(Hex32),
    events: t.array(StreamEventC),
  },
  'StreamEvidence',
)
export type StreamEvidence = t.TypeOf<typeof StreamEvidenceC>

const reportProps = {
  format: t.literal(REPORT_FORMAT),
  ledgerPublicKey: Hex32,
  /** The checkpoint event the report is proven under. */
  head: EnvelopeC,
  graph: LineageGraphC,
  streams: t.array(StreamEvidenceC),
}

export const LineageReportC = t.union(
  [
    closed({ ...reportProps, version: t.literal(REPORT_VERSION) }, 'LineageReportV2'),
    closed({ ...reportProps, version: t.literal(REPORT_VERSION_ROTATED), rotations: t.array(ProvenRotationC) }, 'LineageReportV3'),
  ],
  'LineageReport',
)

interface ReportBody {
  readonly format: typeof REPORT_FORMAT
  readonly ledgerPublicKey: string
  readonly head: Envelope
  readonly graph: LineageGraph
  readonly streams: readonly StreamEvidence[]
}

export type LineageReport = (ReportBody & { readonly version: typeof REPORT_VERSION }) | (ReportBody & { readonly version: typeof REPORT_VERSION_ROTATED; readonly rotations: readonly ProvenRotation[] })

/** Every event a report carries, in log order. */
export function reportEvents(report: Pick<LineageReport, 'streams'>): Envelope[] {
  return report.streams.flatMap((s) => s.events.map((e) => e.event)).sort((a, b) => a.sequence - b.sequence)
}
