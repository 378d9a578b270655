/**
 * The lineage index kept as the log grows (issue #15) gives the same report bytes as the
 * whole-log builder: on the model story (every kind of target), and as a log grows event by event
 * (a ledger key rotation in it), where after each append the incremental report, or its refusal,
 * equals the one built from scratch over the log as it then stood. Its reports verify.
 */
import { describe, expect, it } from 'vitest'
import { canonicalize } from '../../../domain/canonical/jcs.js'
import { toHex } from '../../../domain/crypto/hex.js'
import { isAnchor, type AnchorRef } from '../../../domain/ledger/anchor.js'
import type { Envelope } from '../../../domain/ledger/envelope.js'
import type { JsonValue } from '../../../domain/json.js'
import { nativeCrypto, nativeEd25519 } from '../../../infrastructure/crypto/native.js'
import { Proofs } from '../../../infrastructure/proofs/build-proof.js'
import type { StorageBackend } from '../../../infrastructure/store/backend.js'
import { emptyIndex, indexEnvelope } from '../../../projections/lineage/index.js'
import { LiveLineage } from '../../../projections/lineage/live.js'
import { buildLineageReport, verifyLineageReport, type LineageQuery, type LineageReport, type ReportSource } from '../../../projections/lineage/report.js'
import { ledgerSigner } from '../../infrastructure/command-handler-support.js'
import { ALICE, DAVE, EVE, acceptRequest, deployRequest, grantRequest, openDriver, receipt, tellStory, trainedModel } from '../story.js'

const key = toHex(ledgerSigner.publicKey)

async function all(backend: StorageBackend): Promise<Envelope[]> {
  const out: Envelope[] = []
  for (;;) {
    const page = await backend.readRange(out.length + 1, 1000)
    out.push(...page)
    if (page.length < 1000) return out
  }
}

/** Every target the log holds: each deployment, job, checkpoint root, mandate, dataset version and content, and an id to resolve. */
function targetsOf(events: readonly Envelope[]): LineageQuery[] {
  const index = emptyIndex()
  for (const e of events) indexEnvelope(index, e)
  const out: LineageQuery[] = []
  for (const id of index.deployments.keys()) out.push({ kind: 'deployment', deploymentId: id }, { kind: 'id', id })
  for (const id of index.jobs.keys()) out.push({ kind: 'training-job', jobId: id })
  for (const root of new Set([...index.checkpoints.values()].map((k) => k.root))) out.push({ kind: 'checkpoint', root })
  for (const id of index.mandates.keys()) out.push({ kind: 'mandate', mandateId: id }, { kind: 'id', id })
  for (const v of index.versions.values()) out.push({ kind: 'dataset-version', datanetId: v.datanetId, version: v.version })
  for (const hash of new Set([...index.contributions.values()].map((c) => c.contentHash))) out.push({ kind: 'contribution', contentHash: hash })
  return out
}

/** The report's canonical bytes, or the refusal (its class and message). */
async function outcome(build: () => Promise<LineageReport>): Promise<string> {
  try {
    return canonicalize(JSON.parse(JSON.stringify(await build())) as JsonValue)
  } catch (error) {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  }
}

describe('the lineage index kept as the log grows', () => {
  it('gives the whole-log builder’s bytes for every target of the model story, and they verify', async () => {
    const d = await openDriver(undefined, 10)
    await tellStory(d)
    await d.store.sealAnchor()
    const targets = targetsOf(await all(d.backend))
    expect(new Set(targets.map((t) => t.kind))).toEqual(new Set(['deployment', 'id', 'training-job', 'checkpoint', 'mandate', 'dataset-version', 'contribution']))
    const live = new LiveLineage(d.backend, new Proofs(d.backend))
    for (const target of targets) {
      const fromScratch = await outcome(() => buildLineageReport(d.backend, target))
      expect(fromScratch.startsWith('{')).toBe(true)
      expect(await outcome(() => live.report(target))).toBe(fromScratch)
    }
    const report = await live.report({ kind: 'id', id: targets[0]?.kind === 'deployment' ? targets[0].deploymentId : '' })
    expect(verifyLineageReport(JSON.parse(JSON.stringify(report)), key, nativeCrypto)).toMatchObject({ ok: true })
    // One fold: asked again, it reads nothing before its checkpoint.
    expect(live.size).toBe(report.head.sequence - 1)
    await d.store.close()
  }, 120_000)

  it('after each append, equals the report built from scratch over the log as it then stood (with a key rotation)', async () => {
    const d = await openDriver(undefined, 7)
    const trained = await trainedModel(d)
    await d.store.rotateKey(nativeEd25519.signer(new Uint8Array(32).fill(0x61)))
    const deploymentId = await d.run(ALICE, deployRequest(trained.jobId, trained.checkpoints[1]))
    const grantId = await d.run(ALICE, grantRequest(deploymentId, EVE))
    await d.run(EVE, acceptRequest(deploymentId, grantId))
    await d.run(DAVE, { type: 'RecordUsage', payload: { deploymentId, receipts: [receipt(d, grantId, 'r1', 1200, 800)] } })
    await d.store.sealAnchor()
    const events = await all(d.backend)
    const targets = targetsOf(events)
    const anchors = events.filter(isAnchor)

    // The log as it stood after `size` events: a view of the finished one, grown one event at a time.
    let size = 0
    const view: ReportSource = {
      ledgerKey: () => d.backend.ledgerKey(),
      readRange: async (from, limit) => (from > size ? [] : d.backend.readRange(from, Math.min(limit, size - from + 1))),
      readStream: async (stream, from, limit) => (await d.backend.readStream(stream, from, limit)).filter((e) => e.sequence <= size),
      lastAnchor: async (): Promise<AnchorRef | undefined> => {
        const last = anchors.filter((a) => a.sequence <= size).at(-1)
        return last === undefined ? undefined : { sequence: last.sequence, hash: last.hash }
      },
    }
    const live = new LiveLineage(view, new Proofs(view))
    // The scratch report depends only on the latest checkpoint and whether events follow it.
    const scratch = new Map<string, string>()
    let compared = 0
    for (size = 1; size <= events.length; size++) {
      const head = anchors.filter((a) => a.sequence <= size).at(-1)?.sequence ?? 0
      for (const target of targets) {
        const key = `${head}:${size > head}:${JSON.stringify(target)}`
        const expected = scratch.get(key) ?? (await outcome(() => buildLineageReport(view, target)))
        scratch.set(key, expected)
        expect(await outcome(() => live.report(target)), `${JSON.stringify(target)} after ${size} events`).toBe(expected)
        if (expected.startsWith('{')) compared++
      }
    }
    expect(compared).toBeGreaterThan(events.length)
    // A checkpoint below what it indexed (the store rewritten, or restored from an older copy) is refused; it then starts again from zero.
    const full = size - 1
    size = (anchors[2] as Envelope).sequence
    expect(await outcome(() => live.report(targets[0] as LineageQuery))).toMatch(/^Error: checkpoint #\d+ has tree size \d+, below the \d+ already indexed: the store was rewritten$/)
    expect(await outcome(() => live.report(targets[0] as LineageQuery))).toBe(await outcome(() => buildLineageReport(view, targets[0] as LineageQuery)))
    expect(live.size).toBe(size - 1)
    size = full
    const rotated = JSON.parse(await outcome(() => live.report({ kind: 'deployment', deploymentId }))) as LineageReport
    expect(rotated.version).toBe(3)
    expect(verifyLineageReport(rotated, key, nativeCrypto)).toMatchObject({ ok: true })
    await d.store.close()
  }, 300_000)
})
