/**
 * Lineage reports across ledger key rotations: the model story told over two rotations (the
 * model trained under the genesis key, deployed under the second, used under the third), reported
 * under a checkpoint the third key signed. The report is version 3 and carries both rotations,
 * each proven in the checkpoint's tree; verify-report, holding only the genesis key, follows them
 * and holds every event to the key in force at its sequence. Without the rotations, with one
 * left out, reordered, altered or unproven, or with an event re-signed by a retired key, it fails.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '../../../domain/crypto/hex.js'
import type { Envelope } from '../../../domain/ledger/envelope.js'
import { envelopeBody, sealEnvelope } from '../../../domain/ledger/envelope.js'
import { nativeCrypto, nativeEd25519 } from '../../../infrastructure/crypto/native.js'
import { buildLineageReport, reportEvents, verifyLineageReport, type LineageReport } from '../../../projections/lineage/report.js'
import { ledgerSigner } from '../../infrastructure/command-handler-support.js'
import { ALICE, DAVE, EVE, openDriver, receipt, trainedModel, deployRequest, grantRequest, acceptRequest, type Driver } from '../story.js'

const genesis = toHex(ledgerSigner.publicKey)
const second = nativeEd25519.signer(new Uint8Array(32).fill(0x51))
const third = nativeEd25519.signer(new Uint8Array(32).fill(0x52))

interface Loose {
  version: number
  head: Envelope
  rotations?: { event: Envelope; hashes: string[] }[]
  streams: { stream: string; events: { event: Envelope; hashes: string[] }[] }[]
}
const loose = (report: LineageReport): Loose => JSON.parse(JSON.stringify(report)) as Loose
const problems = (report: unknown, trusted = genesis): string => {
  const result = verifyLineageReport(report, trusted, nativeCrypto)
  return result.ok ? 'accepted' : result.problems.join('; ')
}

let d: Driver
let report: LineageReport
let deploymentId: string

beforeAll(async () => {
  d = await openDriver(undefined, 10)
  const trained = await trainedModel(d)
  await d.store.rotateKey(second)
  deploymentId = await d.run(ALICE, deployRequest(trained.jobId, trained.checkpoints[1]))
  const grantId = await d.run(ALICE, grantRequest(deploymentId, EVE))
  await d.run(EVE, acceptRequest(deploymentId, grantId))
  await d.store.rotateKey(third)
  await d.run(DAVE, { type: 'RecordUsage', payload: { deploymentId, receipts: [receipt(d, grantId, 'r1', 1200, 800)] } })
  await d.store.sealAnchor()
  report = await buildLineageReport(d.backend, { kind: 'deployment', deploymentId })
}, 60_000)

describe('a lineage report across key rotations', () => {
  it('is version 3 under a checkpoint the third key signed, with both rotations; its events span all three keys', () => {
    expect(report.version).toBe(3)
    expect(report.ledgerPublicKey).toBe(genesis)
    expect(report.head.signer).toBe(toHex(third.publicKey))
    expect(report.version === 3 && report.rotations.map((r) => r.event.type)).toEqual(['LedgerKeyRotated', 'LedgerKeyRotated'])
    expect(new Set(reportEvents(report).map((e) => e.signer))).toEqual(new Set([genesis, toHex(second.publicKey), toHex(third.publicKey)]))
  })

  it('verifies under the genesis key alone, and only under it', () => {
    expect(verifyLineageReport(JSON.parse(JSON.stringify(report)), genesis, nativeCrypto)).toMatchObject({ ok: true, events: reportEvents(report).length })
    expect(problems(report, toHex(third.publicKey))).toMatch(/names ledger key/)
  })

  it('fails without its rotations, with one left out or reordered, or with a rotation altered or unproven', () => {
    const none = loose(report)
    delete none.rotations
    none.version = 2
    expect(problems(none)).toMatch(/report head is signed by [0-9a-f]{64}, not the trusted ledger key/)
    const empty = loose(report)
    empty.rotations = []
    expect(problems(empty)).toMatch(/not the trusted ledger key/)
    const first = loose(report)
    first.rotations = first.rotations?.slice(0, 1)
    expect(problems(first)).toMatch(/report head is signed by [0-9a-f]{64}, not by [0-9a-f]{64}, the ledger key in force/)
    const swapped = loose(report)
    swapped.rotations?.reverse()
    expect(problems(swapped)).not.toBe('accepted')
    const unproven = loose(report)
    const path = unproven.rotations?.[1]?.hashes
    if (path !== undefined) path[0] = '00'.repeat(32)
    expect(problems(unproven)).toMatch(/is not in the checkpoint's tree/)
    const altered = loose(report)
    const rotation = altered.rotations?.[0]?.event
    if (rotation !== undefined) (rotation.data as { newKey: string }).newKey = toHex(third.publicKey)
    expect(problems(altered)).not.toBe('accepted')
  })

  it('fails when an event after a rotation is re-signed by the retired genesis key', () => {
    const cheat = loose(report)
    const stream = cheat.streams.find((s) => s.events.some((e) => e.event.signer === toHex(second.publicKey)))
    const at = stream?.events.findIndex((e) => e.event.signer === toHex(second.publicKey)) ?? -1
    const entry = stream?.events[at]
    if (entry === undefined) throw new Error('no event under the second key')
    entry.event = sealEnvelope({ ...envelopeBody(entry.event), signer: genesis }, ledgerSigner, nativeCrypto)
    expect(problems(cheat)).toMatch(/signed by [0-9a-f]{64}, not by [0-9a-f]{64}, the ledger key in force at sequence/)
  })
})
