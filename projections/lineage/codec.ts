/**
 * The lineage report as an io-ts codec: the JSON that `GET /v1/lineage/...` answers and
 * `model-ledger verify-report` reads. It describes the report for the OpenAPI document (so a
 * generated client types it instead of `unknown`) and checks a report's shape before its proofs.
 * `asReportJson` below fails to compile if the codec and the report's TypeScript types drift apart.
 */
import * as t from 'io-ts'
import { Hex32, integer } from '../../domain/codec.js'
import { EnvelopeC } from '../../domain/ledger/envelope.js'
import { InclusionProofC } from '../../domain/ledger/proof.js'
import type { LineageReport } from './report.js'

const Sequence = integer('sequence', 1)

export const LineageTargetC = t.union(
  [
    t.type({ kind: t.literal('dataset-version'), datanetId: Hex32, version: Sequence }, 'DatasetVersionTarget'),
    t.type({ kind: t.literal('mandate'), mandateId: Hex32 }, 'MandateTarget'),
    t.type({ kind: t.literal('contribution'), contentHash: Hex32 }, 'ContributionTarget'),
    t.type({ kind: t.literal('deployment'), deploymentId: Hex32 }, 'DeploymentTarget'),
    t.type({ kind: t.literal('checkpoint'), root: Hex32 }, 'CheckpointTarget'),
    t.type({ kind: t.literal('training-job'), jobId: Hex32 }, 'TrainingJobTarget'),
  ],
  'LineageTarget',
)

export const NodeKindC = t.keyof(
  { proposal: null, mandate: null, datanet: null, 'dataset-version': null, contribution: null, 'reward-epoch': null, 'training-job': null, checkpoint: null, deployment: null, usage: null },
  'NodeKind',
)

/** A fact a node states: a label, an amount (decimal string), a count, a flag, or null when not (yet) known. */
export const FactC = t.union([t.string, t.number, t.boolean, t.null], 'Fact')

export const LineageNodeC = t.type(
  {
    id: t.string,
    kind: NodeKindC,
    label: t.string,
    sequence: Sequence,
    facts: t.record(t.string, FactC),
    evidence: t.readonlyArray(Sequence),
  },
  'LineageNode',
)

export const LineageEdgeC = t.type({ from: t.string, to: t.string, relation: t.string }, 'LineageEdge')

export const LineageGraphC = t.type({ target: LineageTargetC, nodes: t.readonlyArray(LineageNodeC), edges: t.readonlyArray(LineageEdgeC) }, 'LineageGraph')

export const EvidenceC = t.type({ sequence: Sequence, event: EnvelopeC, proof: t.union([InclusionProofC, t.null]) }, 'Evidence')

export const LineageReportC = t.type(
  {
    format: t.literal('model-ledger-lineage-report'),
    version: t.literal(1),
    ledgerPublicKey: t.string,
    head: integer('head', 0),
    graph: LineageGraphC,
    evidence: t.readonlyArray(EvidenceC),
  },
  'LineageReport',
)

/** Compile-time tie between the codec and the report's types: a report is always the codec's JSON. */
export const asReportJson = (report: LineageReport): t.OutputOf<typeof LineageReportC> => report
