/**
 * Verify: events per second over a large bundle on all cores, beside the raw node:crypto Ed25519
 * verify rate on one core measured in the same run, and the verifier's peak RSS.
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { toHex } from '../domain/crypto/hex.js'
import { benchLedger, ensureBundle, type BundleSpec } from './bundle-fixture.js'
import { rawVerifyRate } from './raw.js'
import { fmt, median, medianRate, say } from './stats.js'

interface ChildResult {
  ok: boolean
  events: number
  commands: number
  seconds: number
  maxRssMb: number
}

function runChild(path: string, workers?: number): ChildResult {
  const child = fileURLToPath(new URL('./verify-child.js', import.meta.url))
  const args = [child, path, toHex(benchLedger.publicKey), ...(workers === undefined ? [] : [String(workers)])]
  const result = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 })) as ChildResult
  if (!result.ok) throw new Error(`the benchmark bundle did not verify: ${JSON.stringify(result)}`)
  return result
}

export interface VerifyFigures {
  readonly events: number
  readonly signatures: number
  readonly eventsPerSecond: number
  readonly signaturesPerSecond: number
  readonly rawVerifyPerSecond: number
  readonly ratio: number
  readonly signatureRatio: number
  readonly maxRssMb: number
}

export async function benchVerify(spec: BundleSpec, runs = 3): Promise<VerifyFigures> {
  const path = await ensureBundle(spec, (done) => process.stderr.write(`\r  building bundle: ${fmt(done)} events`))
  process.stderr.write('\n')
  say(`verify: ${path} (${spec.commandEvery === 0 ? 'system events, one signature each' : `a signed command every ${spec.commandEvery} appends, 2 events each`}); median of ${runs}`)
  const raw = await medianRate(runs, () => rawVerifyRate())
  const results = Array.from({ length: runs }, () => runChild(path))
  const seconds = median(results.map((r) => r.seconds))
  const first = results[0] as ChildResult
  const signatures = first.events + first.commands
  const figures = {
    events: first.events,
    signatures,
    eventsPerSecond: first.events / seconds,
    signaturesPerSecond: signatures / seconds,
    rawVerifyPerSecond: raw.median,
    ratio: first.events / seconds / raw.median,
    signatureRatio: signatures / seconds / raw.median,
    maxRssMb: Math.max(...results.map((r) => r.maxRssMb)),
  }
  say(`  raw Ed25519 verify (node:crypto, 1 core)  ${fmt(raw.median)} /s`)
  say(`  ledger verify (all cores)                 ${fmt(figures.eventsPerSecond)} events/s = ${figures.ratio.toFixed(2)} x raw; ${fmt(figures.signaturesPerSecond)} signatures/s = ${figures.signatureRatio.toFixed(2)} x raw`)
  say(`  peak RSS                                  ${figures.maxRssMb.toFixed(0)} MB`)
  return figures
}
