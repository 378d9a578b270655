/**
 * Checking a lineage report offline, with the ledger key alone (docs/lineage.md, "What
 * verify-report proves"): the checkpoint is the trusted key's (or, in a version 3 report, a key
 * the trusted one rotated to, through rotations proven in the checkpoint's tree), and each event
 * is signed by the key in force at its sequence; each stream the graph rests on is
 * whole at that checkpoint (its head is in the checkpoint's stream-heads map and the report
 * carries versions 1..V, each event sealed by the key and in the checkpoint's tree); the report
 * carries no other stream and leaves out none its events refer to; and the graph rebuilt from
 * those events alone is the graph the report states. Leaving out or altering any event fails.
 */
import { canonicalize } from '../../domain/canonical/jcs.js'
import { decodeWith } from '../../domain/codec.js'
import type { JsonValue } from '../../domain/json.js'
import type { AnchorData } from '../../domain/ledger/anchor.js'
import type { Envelope } from '../../domain/ledger/envelope.js'
import type { KeyChain } from '../../domain/ledger/key-rotation.js'
import { checkCheckpointUnder, checkEventInclusion, checkSealUnder } from '../../domain/ledger/proof.js'
import { checkStreamHead } from '../../domain/ledger/stream-heads.js'
import type { CryptoSuite } from '../../domain/ports/crypto.js'
import { evidenceOf, traceLineage, type LineageGraph } from './graph.js'
import { emptyIndex, indexEnvelope } from './index.js'
import { LineageReportC, REPORT_FORMAT, REPORT_VERSION, REPORT_VERSION_ROTATED, type StreamEvidence } from './report-format.js'

export type ReportCheck =
  | { ok: true; events: number; streams: number; checkpoint: number; treeSize: number }
  | { ok: false; problems: string[] }

const fail = (...problems: string[]): ReportCheck => ({ ok: false, problems })

const list = (items: readonly (string | number)[]): string => `${items.slice(0, 5).join(', ')}${items.length > 5 ? ` and ${items.length - 5} more` : ''}`

/** Checks a report (parsed JSON) against the key the auditor trusts, never the key the report names. */
export function verifyLineageReport(value: unknown, trustedKey: string, crypto: CryptoSuite): ReportCheck {
  const { format, version } = (typeof value === 'object' && value !== null ? value : {}) as { format?: unknown; version?: unknown }
  if (format === REPORT_FORMAT && version !== REPORT_VERSION && version !== REPORT_VERSION_ROTATED) {
    return fail(`a version ${String(version)} lineage report is not checked: versions ${REPORT_VERSION} and ${REPORT_VERSION_ROTATED} prove each stream whole; generate the report again`)
  }
  const decoded = decodeWith(LineageReportC, value)
  if (!decoded.ok) return fail(`not a lineage report: ${decoded.error}`)
  const report = decoded.value
  if (report.ledgerPublicKey !== trustedKey) return fail(`the report names ledger key ${report.ledgerPublicKey}, not the trusted key ${trustedKey}`)
  // After a key rotation the head is signed by a later key: follow the rotations from the trusted one.
  const under = checkCheckpointUnder(report.head, report.version === REPORT_VERSION_ROTATED ? report.rotations : [], trustedKey, crypto, 'report head')
  if (typeof under === 'string') return fail(under)
  const { data: checkpoint, keys } = under
  const problems: string[] = []
  const names = new Set<string>()
  const events: Envelope[] = []
  for (const stream of report.streams) {
    if (names.has(stream.stream)) problems.push(`stream ${stream.stream} appears twice`)
    names.add(stream.stream)
    const fault = checkStream(stream, checkpoint, keys, crypto)
    if (fault !== undefined) problems.push(`stream ${stream.stream}: ${fault}`)
    events.push(...stream.events.map((e) => e.event))
  }
  problems.push(...graphProblems(report.graph, events, names))
  if (problems.length > 0) return { ok: false, problems }
  return { ok: true, events: events.length, streams: report.streams.length, checkpoint: report.head.sequence, treeSize: checkpoint.treeSize }
}

/** Why a stream is not whole at the checkpoint, or undefined: its head is in the map, and it carries exactly versions 1..V. */
function checkStream(s: StreamEvidence, checkpoint: AnchorData, keys: KeyChain, crypto: CryptoSuite): string | undefined {
  const head = checkStreamHead({ stream: s.stream, version: s.version, lastSequence: s.lastSequence }, s.index, s.hashes, checkpoint.streams, crypto.sha256)
  if (!head.ok) return `its head (version ${s.version}, last sequence ${s.lastSequence}) is not leaf ${s.index} of the checkpoint's stream-heads map (${head.code}: ${head.reason})`
  if (s.events.length !== s.version) return `the checkpoint says it has ${s.version} events; the report carries ${s.events.length}`
  for (const [i, { event, hashes }] of s.events.entries()) {
    const at = `event ${i + 1} (sequence ${event.sequence})`
    if (event.stream !== s.stream || event.streamVersion !== i + 1) return `${at} is version ${event.streamVersion} of ${event.stream}, not version ${i + 1} of this stream`
    const fault = checkSealUnder('event', event, keys, crypto) ?? checkEventInclusion(event, checkpoint, hashes, crypto)
    if (fault !== undefined) return `${at}: ${fault}`
  }
  const last = s.events.at(-1)?.event.sequence
  return last === s.lastSequence ? undefined : `its last event is sequence ${String(last)}, but the checkpoint says ${s.lastSequence}`
}

/** The graph's claims against the events: every cited event carried, no stream carried for nothing or left out, the same graph rebuilt. */
function graphProblems(graph: LineageGraph, events: Envelope[], streams: ReadonlySet<string>): string[] {
  const problems: string[] = []
  const bySequence = new Map(events.map((e) => [e.sequence, e]))
  const cited = evidenceOf(graph)
  const missing = cited.filter((sequence) => !bySequence.has(sequence))
  if (missing.length > 0) problems.push(`the graph cites sequences the report does not carry: ${list(missing)}`)
  const relied = new Set(cited.flatMap((sequence) => bySequence.get(sequence)?.stream ?? []))
  const idle = [...streams].filter((stream) => !relied.has(stream))
  if (idle.length > 0) problems.push(`the report carries streams no node relies on: ${list(idle)}`)
  const index = emptyIndex()
  for (const event of [...events].sort((a, b) => a.sequence - b.sequence)) {
    try {
      indexEnvelope(index, event)
    } catch (error) {
      problems.push(`sequence ${event.sequence}: ${(error as Error).message}`)
    }
  }
  let traced: ReturnType<typeof traceLineage>
  try {
    traced = traceLineage(index, graph.target)
  } catch (error) {
    return [...problems, `the events do not support the target: ${(error as Error).message}`]
  }
  if (traced.unresolved.length > 0) problems.push(`the report leaves out streams its events refer to: ${list(traced.unresolved)}`)
  if (canonicalize(traced.graph as unknown as JsonValue) !== canonicalize(graph as unknown as JsonValue)) problems.push('the graph the report states is not the graph its events give')
  return problems
}
