/**
 * A large bundle for the verify benchmark, written directly with the ledger's own sealing
 * functions (the same code the sequencer runs), cached under .bench/ because it takes a while.
 * The benchmark checks that the verifier accepts it, so it cannot drift from the format.
 */
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs'
import { once } from 'node:events'
import { createReadStream } from 'node:fs'
import { canonicalize } from '../domain/canonical/jcs.js'
import { fromHex, toHex } from '../domain/crypto/hex.js'
import type { JsonValue } from '../domain/json.js'
import { TREE_ALGORITHM } from '../domain/ledger/anchor.js'
import { BUNDLE_FORMAT, BUNDLE_VERSION } from '../domain/ledger/bundle.js'
import { signCommand } from '../domain/ledger/command.js'
import { LEDGER_FORMAT, sealEnvelopeText, ZERO_HASH, type Cause } from '../domain/ledger/envelope.js'
import { merkleRoot } from '../domain/ledger/merkle.js'
import { ANCHOR_STREAM, ANCHOR_TYPE } from '../domain/ledger/names.js'
import { nativeCrypto, nativeEd25519 } from '../infrastructure/crypto/native.js'

export const benchLedger = nativeEd25519.signer(new Uint8Array(32).fill(42))
const actor = nativeEd25519.signer(new Uint8Array(32).fill(43))

export interface BundleSpec {
  readonly events: number
  /** One command in every `commandEvery` appends (0: system events only); each command causes 2 events. */
  readonly commandEvery: number
}

export function bundlePath(spec: BundleSpec): string {
  return `.bench/bundle-${spec.events}-c${spec.commandEvery}.jsonl`
}

export async function ensureBundle(spec: BundleSpec, onProgress?: (done: number) => void): Promise<string> {
  const path = bundlePath(spec)
  if (existsSync(path)) return path
  mkdirSync('.bench', { recursive: true })
  const bodyPath = `${path}.body`
  const out = createWriteStream(bodyPath)
  const write = async (line: string) => {
    if (!out.write(`${line}\n`)) await once(out, 'drain')
  }
  const key = toHex(benchLedger.publicKey)
  const versions = new Map<string, number>()
  let head = { sequence: 0, hash: ZERO_HASH }
  let anchor = { sequence: 0, hash: ZERO_HASH }
  let leaves: Uint8Array[] = []
  let time = Date.UTC(2026, 0, 1)
  const emit = async (stream: string, type: string, data: JsonValue, cause: Cause) => {
    const streamVersion = (versions.get(stream) ?? 0) + 1
    versions.set(stream, streamVersion)
    const recordedAt = new Date(time).toISOString()
    const { envelope, text } = sealEnvelopeText({ format: LEDGER_FORMAT, sequence: head.sequence + 1, stream, streamVersion, type, data, recordedAt, cause, prevHash: head.hash, signer: key }, benchLedger, nativeCrypto)
    head = { sequence: envelope.sequence, hash: envelope.hash }
    await write(`{"event":${text}}`)
    return envelope
  }
  let appends = 0
  while (head.sequence < spec.events) {
    time += 3
    const withCommand = spec.commandEvery > 0 && appends % spec.commandEvery === 0
    appends++
    const stream = `account-${(appends % 5000).toString(16)}`
    const data = (i: number) => ({ to: 'cd'.repeat(32), amount: String(BigInt(appends) * 10n ** 18n + BigInt(i)), memo: `transfer ${appends}` })
    if (withCommand) {
      const signed = signCommand({ type: 'TransferOpen', payload: data(0), actor: toHex(actor.publicKey), nonce: `${appends}`, issuedAt: new Date(time).toISOString(), ledger: key }, actor, nativeCrypto)
      await write(canonicalize({ command: signed } as unknown as JsonValue))
      const hash = toHex(nativeCrypto.sha256(new TextEncoder().encode(canonicalize(signed.command as unknown as JsonValue))))
      const cause: Cause = { kind: 'command', commandHash: hash, actor: signed.command.actor, actorSignature: signed.signature }
      for (let i = 0; i < 2; i++) leaves.push(fromHex((await emit(stream, 'OpenTransferred', data(i), cause)).hash))
    } else {
      leaves.push(fromHex((await emit(stream, 'OpenTransferred', data(0), { kind: 'system', reason: 'bench' })).hash))
    }
    if (leaves.length >= 1000 || head.sequence >= spec.events - 1) {
      const anchorData = { fromSequence: anchor.sequence + 1, toSequence: head.sequence, root: merkleRoot(leaves, nativeCrypto.sha256), prevAnchorSequence: anchor.sequence, prevAnchorHash: anchor.hash, tree: TREE_ALGORITHM }
      const sealed = await emit(ANCHOR_STREAM, ANCHOR_TYPE, anchorData, { kind: 'system', reason: 'anchor' })
      anchor = { sequence: sealed.sequence, hash: sealed.hash }
      leaves = []
    }
    if (appends % 10_000 === 0) onProgress?.(head.sequence)
  }
  out.end()
  await once(out, 'finish')
  const header = canonicalize({ header: { format: BUNDLE_FORMAT, version: BUNDLE_VERSION, ledgerPublicKey: key, head } } as unknown as JsonValue)
  const final = createWriteStream(`${path}.tmp`)
  final.write(`${header}\n`)
  for await (const chunk of createReadStream(bodyPath)) if (!final.write(chunk)) await once(final, 'drain')
  final.end()
  await once(final, 'finish')
  rmSync(bodyPath)
  renameSync(`${path}.tmp`, path)
  return path
}
