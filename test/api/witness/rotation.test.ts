/**
 * Witnessed checkpoints across a ledger key rotation, on a real SQLite data directory with a real
 * witness server and the serve-side cosigner: the witness knows both keys under the one origin;
 * the checkpoint after the rotation is signed by the new key alone, and `verify --key <genesis>
 * --checkpoint <it> --witness …` accepts it, the log proving the chain of keys. A note signed by
 * the retired key for a tree after the rotation, or by the new key for a tree before it, is refused,
 * and so is a note by a key outside the chain.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyCommand } from '../../../api/cli/commands/verify.js'
import { EXIT } from '../../../api/cli/io.js'
import { proofSource } from '../../../api/http/log-reads.js'
import { startWitnessServer, type RunningWitness } from '../../../api/witness/server.js'
import { fromHex, toHex } from '../../../domain/crypto/hex.js'
import { anchorData, checkpointNote } from '../../../domain/ledger/anchor.js'
import type { Envelope } from '../../../domain/ledger/envelope.js'
import type { EventStore } from '../../../domain/ports/event-store.js'
import type { Signer } from '../../../domain/ports/crypto.js'
import { defaultOrigin, logVkey, signCheckpoint } from '../../../domain/tlog/checkpoint.js'
import { parseNote } from '../../../domain/tlog/note.js'
import { openCosignedNote } from '../../../domain/tlog/witnessed.js'
import { manualClock } from '../../../infrastructure/clock.js'
import { Proofs } from '../../../infrastructure/proofs/build-proof.js'
import { logsFromArgs } from '../../../infrastructure/witness/config.js'
import { Cosigner, proofsSource, witnessTarget } from '../../../infrastructure/witness/cosigner.js'
import { openCosigningState, type CosigningState } from '../../../infrastructure/witness/cosigning-state.js'
import { openWitnessState, type WitnessState } from '../../../infrastructure/witness/state.js'
import { createWitness, type Witness } from '../../../infrastructure/witness/witness.js'
import { crypto } from '../../infrastructure/witness/support.js'
import { runCli } from '../../support/cli.js'
import { appendThings, openManualLedger } from '../../support/data-dir.js'
import { scratchDirs } from '../../support/scratch.js'

const passphrase = 'rotate and witness'
const temp = scratchDirs('ml-rot-')
let dir: string
let genesis: string
let genesisSigner: Signer
const second = crypto.ed25519.signer(new Uint8Array(32).fill(0x44))
const outsider = crypto.ed25519.signer(new Uint8Array(32).fill(0x45))
let store: EventStore
let witness: Witness
let witnessState: WitnessState
let server: RunningWitness
let cosigningState: CosigningState
let cosigner: Cosigner
let origin: string
/** Checkpoints: [before the rotation, the handover one both keys signed, after it]. */
const checkpoints: Envelope[] = []
const published: string[] = []

async function sealAndWitness(): Promise<void> {
  const anchor = await store.sealAnchor()
  if (anchor !== undefined) checkpoints.push(anchor)
  await cosigner.poll()
  published.push(cosigner.published() ?? '')
}

async function verify(note: string, ...extra: string[]): Promise<{ code: number; out: string }> {
  const path = join(temp(), 'checkpoint.note')
  await writeFile(path, note)
  return runCli(verifyCommand, ['--data', dir, '--key', genesis, '--checkpoint', path, '--workers', '0', ...extra])
}

const sizeOf = (checkpoint: Envelope): number => checkpoint.sequence - 1
const rootOf = (checkpoint: Envelope): Uint8Array => fromHex(anchorData(checkpoint)?.root ?? '')

beforeAll(async () => {
  dir = join(temp(), 'data')
  ;({ genesis, store, signer: genesisSigner } = await openManualLedger(dir, passphrase))
  origin = defaultOrigin(genesis)
  witnessState = openWitnessState(join(temp(), 'witness.db'))
  // The witness follows the log under both of its keys: the operator adds the new one at the rotation.
  const logs = logsFromArgs([`${origin}=${logVkey(origin, genesis, crypto)}`, `${origin}=${logVkey(origin, second.publicKey, crypto)}`], crypto)
  witness = createWitness({ name: 'witness.example/rot', signer: crypto.ed25519.signer(new Uint8Array(32).fill(0x63)), logs, state: witnessState, crypto, clock: manualClock() })
  server = await startWitnessServer({ witness })
  cosigningState = openCosigningState(join(temp(), 'cosigning.db'))
  const proofs = new Proofs(proofSource(store))
  cosigner = new Cosigner({
    witnesses: [witnessTarget(`${server.url}=${witness.vkey}`, crypto)],
    minimum: 1,
    source: proofsSource(proofs),
    state: cosigningState,
    crypto,
    clock: manualClock(),
  })
  await appendThings(store, 20)
  await sealAndWitness()
  await store.rotateKey(second)
  checkpoints.push((await proofs.checkpoint()) as Envelope)
  await cosigner.poll()
  published.push(cosigner.published() ?? '')
  await appendThings(store, 30)
  await sealAndWitness()
}, 60_000)

afterAll(async () => {
  await cosigner?.close()
  cosigningState?.close()
  await server?.close()
  witnessState?.close()
  await store?.close()
})

describe('witnessed checkpoints across a key rotation', () => {
  it('the witness cosigned a checkpoint in each key era; the last is signed by the new key alone', () => {
    expect(checkpoints.map((c) => c.signer)).toEqual([genesis, toHex(second.publicKey), toHex(second.publicKey)])
    expect(anchorData(checkpoints[1] as Envelope)?.signatures.map((s) => s.key).sort()).toEqual([genesis, toHex(second.publicKey)].sort())
    expect(published.map((note) => parseNote(note).ok)).toEqual([true, true, true])
    const last = published[2] as string
    expect(openCosignedNote(last, [witness.vkey], 1, crypto)).toMatchObject({ ok: true, size: sizeOf(checkpoints[2] as Envelope), witnesses: ['witness.example/rot'] })
    const opened = openCosignedNote(last, [witness.vkey], 1, crypto)
    expect(opened.ok && [opened.signedBy(genesis), opened.signedBy(toHex(second.publicKey))]).toEqual([false, true])
  })

  it('verify --key <genesis> accepts each cosigned note, the log proving the chain of keys', async () => {
    for (const note of published) {
      const result = await verify(note, '--witness', witness.vkey, '--min-witnesses', '1')
      expect(result.code, result.out).toBe(EXIT.ok)
    }
  })

  it('refuses a note by the retired key for a tree after the rotation, by the new key for a tree before it, and by a key outside the chain', async () => {
    const after = checkpoints[2] as Envelope
    const before = checkpoints[0] as Envelope
    const retired = await verify(signCheckpoint(origin, sizeOf(after), rootOf(after), genesisSigner, crypto))
    expect(retired.code).toBe(EXIT.failed)
    expect(retired.out).toContain(`carries no signature by ${toHex(second.publicKey)}, the ledger key in force at its checkpoint`)
    const early = await verify(signCheckpoint(origin, sizeOf(before), rootOf(before), second, crypto))
    expect(early.code).toBe(EXIT.failed)
    expect(early.out).toContain(`carries no signature by ${genesis}`)
    const stranger = await verify(signCheckpoint(origin, sizeOf(after), rootOf(after), outsider, crypto))
    expect(stranger.code).toBe(EXIT.failed)
    // The log's own notes, with no witness asked for, pass under the genesis key.
    for (const checkpoint of checkpoints) {
      const data = anchorData(checkpoint)
      if (data === undefined) throw new Error('not a checkpoint')
      expect((await verify(checkpointNote(data, crypto.sha256))).code).toBe(EXIT.ok)
    }
  })

  it('names a note beyond the log that none of its keys signed, instead of calling the log truncated', async () => {
    const after = checkpoints[2] as Envelope
    const beyond = await verify(signCheckpoint(origin, sizeOf(after) + 100, rootOf(after), outsider, crypto))
    expect(beyond.code).toBe(EXIT.failed)
    expect(beyond.out).toContain('carries a signature by none of its keys')
    const truncated = await verify(signCheckpoint(origin, sizeOf(after) + 100, rootOf(after), second, crypto))
    expect(truncated.out).toContain('it was truncated')
  })
})
