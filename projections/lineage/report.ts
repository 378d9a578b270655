/**
 * Building lineage reports (report-format.ts, docs/lineage.md): the graph for a target as of the
 * latest checkpoint, and every stream it rests on, whole, with the proofs that make it so.
 * `buildLineageReport` (the CLI's): one pass over the log up to the checkpoint feeds the tree
 * index, the lineage index and the stream heads at once; then the streams the graph cites are read
 * back and proven. live.ts keeps the same three as the log grows (the HTTP service's) and builds
 * its reports with the same pieces below (traceAt, evidenceStreams, proveHeads, assembleReport).
 */
import { toHex } from '../../domain/crypto/hex.js'
import { anchorData, type AnchorData } from '../../domain/ledger/anchor.js'
import type { Envelope } from '../../domain/ledger/envelope.js'
import { StreamHeads } from '../../domain/ledger/stream-heads.js'
import { nativeSha256 } from '../../infrastructure/crypto/native.js'
import { Proofs, ProofUnavailable, type ProofSource } from '../../infrastructure/proofs/build-proof.js'
import { LogTree } from '../../infrastructure/tlog/log-tree.js'
import { evidenceOf, resolveTarget, TargetNotFound, traceLineage, type LineageGraph, type LineageTarget } from './graph.js'
import { emptyIndex, indexEnvelope, type LineageIndex } from './index.js'
import { isRotation } from '../../domain/ledger/key-rotation.js'
import type { ProvenRotation } from '../../domain/ledger/proof.js'
import { REPORT_FORMAT, REPORT_VERSION, REPORT_VERSION_ROTATED, type LineageReport, type StreamEvidence } from './report-format.js'

export { evidenceOf } from './graph.js'
export { REPORT_FORMAT, reportEvents, type LineageReport, type StreamEvidence } from './report-format.js'
export { verifyLineageReport, type ReportCheck } from './verify-report.js'

/** What building a report reads: any backend, or an adapter over an EventStore (the HTTP API's). */
export interface ReportSource extends ProofSource {
  ledgerKey(): Promise<string | undefined>
  /** Up to `limit` envelopes of a stream with version >= fromVersion, in order; without it, a second pass over the log. */
  readStream?(stream: string, fromVersion: number, limit: number): Promise<Envelope[]>
}

/** A target, or an id to resolve against the log (a deployment, training job, checkpoint root or mandate). */
export type LineageQuery = LineageTarget | { readonly kind: 'id'; readonly id: string }

interface Indexed {
  readonly index: LineageIndex
  readonly heads: StreamHeads
  readonly tree: LogTree
  /** The key rotations among the indexed events, in order. */
  readonly rotations: readonly Envelope[]
}

/**
 * Indexes the first `treeSize` events: the tree reads each of them once, in order, through a
 * reader that also folds them into the lineage index and the stream heads (the tree's later
 * reads of whole tiles, for proofs, pass through untouched).
 */
async function indexLog(source: ProofSource, treeSize: number): Promise<Indexed> {
  const index = emptyIndex()
  const heads = new StreamHeads(nativeSha256)
  const rotations: Envelope[] = []
  let next = 1
  const readRange = async (from: number, limit: number): Promise<Envelope[]> => {
    const page = await source.readRange(from, limit)
    for (const envelope of page) {
      if (envelope.sequence !== next || next > treeSize) continue
      indexEnvelope(index, envelope)
      heads.record(envelope.stream, envelope.streamVersion, envelope.sequence)
      if (isRotation(envelope)) rotations.push(envelope)
      next++
    }
    return page
  }
  const tree = await LogTree.open({ readRange }, nativeSha256, treeSize)
  if (next !== treeSize + 1) throw new ProofUnavailable(`the log holds ${next - 1} events, not the ${treeSize} its checkpoint commits to`)
  return { index, heads, tree, rotations }
}

type StreamReader = NonNullable<ReportSource['readStream']>

/** A stream's events from version 1, at most `version` of them. */
async function readStream(read: StreamReader, stream: string, version: number): Promise<Envelope[]> {
  const events: Envelope[] = []
  while (events.length < version) {
    const page = await read(stream, events.length + 1, Math.min(1000, version - events.length))
    if (page.length === 0) break
    events.push(...page.filter((e) => e.streamVersion <= version))
  }
  return events
}

/** The events of each wanted stream, versions 1..V: by stream where the source reads streams, else from one more pass over the log. */
async function readStreams(source: ReportSource, wanted: ReadonlyMap<string, number>, treeSize: number): Promise<Map<string, Envelope[]>> {
  const out = new Map<string, Envelope[]>()
  const read = source.readStream?.bind(source)
  if (read !== undefined) {
    for (const [stream, version] of wanted) out.set(stream, await readStream(read, stream, version))
  } else {
    for (const stream of wanted.keys()) out.set(stream, [])
    for (let from = 1; from <= treeSize; ) {
      const page = await source.readRange(from, Math.min(1000, treeSize - from + 1))
      if (page.length === 0) break
      for (const e of page) out.get(e.stream)?.push(e)
      from += page.length
    }
  }
  for (const [stream, version] of wanted) {
    const events = out.get(stream) ?? []
    if (events.length !== version || events.some((e, i) => e.streamVersion !== i + 1)) throw new Error(`the store does not hold versions 1-${version} of stream ${stream}`)
  }
  return out
}

/** A stream's head at the checkpoint, its leaf index in the stream-heads map and its inclusion path there. */
export type ProvenHead = NonNullable<ReturnType<StreamHeads['prove']>>

/** The streams of the events a graph cites, each read by its sequence (never a pass over the log). */
export async function evidenceStreams(source: ProofSource, graph: LineageGraph): Promise<Set<string>> {
  const names = new Set<string>()
  for (const sequence of evidenceOf(graph)) {
    const [event] = await source.readRange(sequence, 1)
    if (event?.sequence !== sequence) throw new Error(`the store lost sequence ${sequence}`)
    names.add(event.stream)
  }
  return names
}

/** Each named stream's head, proven in the committed map `heads` (at the checkpoint), in leaf order. */
export function proveHeads(heads: StreamHeads, names: Iterable<string>, treeSize: number): ProvenHead[] {
  return [...names].map((stream) => heads.prove(stream) ?? raise(`stream ${stream} has no head at tree size ${treeSize}`)).sort((a, b) => a.index - b.index)
}

async function streamsOf(source: ReportSource, proven: readonly ProvenHead[], tree: LogTree, treeSize: number): Promise<StreamEvidence[]> {
  const read = await readStreams(source, new Map(proven.map((p) => [p.head.stream, p.head.version])), treeSize)
  const out: StreamEvidence[] = []
  for (const { head, index, proof } of proven) {
    const events: StreamEvidence['events'][number][] = []
    for (const event of read.get(head.stream) ?? []) events.push({ event, hashes: (await tree.inclusion(event.sequence - 1, treeSize)).map(toHex) })
    out.push({ stream: head.stream, version: head.version, lastSequence: head.lastSequence, index, hashes: proof, events })
  }
  return out
}

/** Checks that stream heads folded to a checkpoint's tree size are the ones it signed. */
export function checkHeads(heads: StreamHeads, head: Envelope, anchor: AnchorData): void {
  const streams = heads.commit()
  if (streams.count !== anchor.streams.count || streams.root !== anchor.streams.root) {
    throw new Error(`the log's stream heads at tree size ${anchor.treeSize} are not the ones checkpoint #${head.sequence} signed: the store was rewritten`)
  }
}

/** The graph for a query over an index folded to exactly the checkpoint `head`. */
export async function traceAt(source: ProofSource, index: LineageIndex, head: Envelope, query: LineageQuery): Promise<LineageGraph> {
  let traced: ReturnType<typeof traceLineage>
  try {
    traced = traceLineage(index, query.kind === 'id' ? resolveTarget(index, query.id) : query)
  } catch (error) {
    if (!(error instanceof TargetNotFound) || (await source.readRange(head.sequence + 1, 1)).length === 0) throw error
    throw new TargetNotFound(`${error.message} up to checkpoint #${head.sequence} (later events are not under a checkpoint yet)`)
  }
  if (traced.unresolved.length > 0) throw new Error(`the log's events refer to streams it does not hold: ${traced.unresolved.join(', ')}`)
  return traced.graph
}

/** What a report is made of once the graph is traced and its streams' heads proven at the checkpoint. */
export interface Traced {
  readonly head: Envelope
  readonly treeSize: number
  readonly graph: LineageGraph
  readonly proven: readonly ProvenHead[]
  /** The key rotations up to the checkpoint, in order. */
  readonly rotations: readonly Envelope[]
}

/** The report: the traced graph, every stream it rests on read whole and proven in `tree`, and the rotations. */
export async function assembleReport(source: ReportSource, traced: Traced, tree: LogTree): Promise<LineageReport> {
  const { head, treeSize } = traced
  const body = {
    format: REPORT_FORMAT as typeof REPORT_FORMAT,
    ledgerPublicKey: (await source.ledgerKey()) ?? head.signer,
    head,
    graph: traced.graph,
    streams: await streamsOf(source, traced.proven, tree, treeSize),
  }
  if (traced.rotations.length === 0) return { ...body, version: REPORT_VERSION }
  const rotations: ProvenRotation[] = []
  for (const event of traced.rotations) rotations.push({ event, hashes: (await tree.inclusion(event.sequence - 1, treeSize)).map(toHex) })
  return { ...body, version: REPORT_VERSION_ROTATED, rotations }
}

function raise(message: string): never {
  throw new Error(message)
}

/**
 * The report for a target as of the latest checkpoint. Throws ProofUnavailable while the ledger
 * has no checkpoint, and TargetNotFound when the target is not in the log up to it.
 */
export async function buildLineageReport(source: ReportSource, query: LineageQuery): Promise<LineageReport> {
  const head = await new Proofs(source).checkpoint()
  const anchor = anchorData(head) ?? raise(`the checkpoint at sequence ${head.sequence} is not of this format`)
  const indexed = await indexLog(source, anchor.treeSize)
  checkHeads(indexed.heads, head, anchor)
  const graph = await traceAt(source, indexed.index, head, query)
  const proven = proveHeads(indexed.heads, await evidenceStreams(source, graph), anchor.treeSize)
  return assembleReport(source, { head, treeSize: anchor.treeSize, graph, proven, rotations: indexed.rotations }, indexed.tree)
}
