/**
 * The worked example of docs/ledger-format.md, built by the project's own code: a ledger with
 * fixed keys and a fixed clock, three signed commands, six events and two checkpoints (of tree
 * sizes 3 and 6), its bundle, the size-6 checkpoint as a C2SP signed note, the inclusion proof of
 * sequence 2 in it and the consistency proof from size 3 to size 6.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { canonicalize } from '../../domain/canonical/jcs.js'
import { toHex } from '../../domain/crypto/hex.js'
import { referenceCrypto, referenceEd25519 } from '../../domain/crypto/reference.js'
import type { JsonValue } from '../../domain/json.js'
import { anchorData, checkpointNote, noteVerifierKey, type AnchorData } from '../../domain/ledger/anchor.js'
import { signCommand, type Command, type SignedCommand } from '../../domain/ledger/command.js'
import { envelopeBody, type Envelope } from '../../domain/ledger/envelope.js'
import { streamHeadEntry, type StreamHead } from '../../domain/ledger/stream-heads.js'
import type { ConsistencyProof, InclusionProof } from '../../domain/ledger/proof.js'
import { Expected } from '../../domain/ports/event-store.js'
import { linesOf } from '../support/ledger-fixture.js'
import { manualClock } from '../../infrastructure/clock.js'
import { Proofs } from '../../infrastructure/proofs/build-proof.js'
import { openLedgerStore } from '../../infrastructure/store/ledger-store.js'
import { createMemoryBackend } from '../../infrastructure/store/memory-backend.js'

const enc = new TextEncoder()
/** A key from its seed: SHA-256 of an ASCII phrase, no newline. */
export const exampleSeed = (phrase: string): Uint8Array => sha256(enc.encode(`model-ledger worked example: ${phrase}`))
export const exampleLedger = referenceEd25519.signer(exampleSeed('ledger key'))
export const exampleActor = referenceEd25519.signer(exampleSeed('actor key'))
export const exampleRecipient = referenceEd25519.signer(exampleSeed('recipient key'))

export interface WorkedExample {
  readonly ledgerKey: string
  readonly actorKey: string
  readonly recipientKey: string
  readonly commands: readonly SignedCommand[]
  readonly events: readonly Envelope[]
  /** The bundle file: every line with its LF. */
  readonly bundle: string
  readonly firstCommandText: string
  readonly firstBodyText: string
  readonly checkpoint: AnchorData
  readonly note: string
  readonly vkey: string
  readonly streamHeads: readonly string[]
  readonly inclusion: InclusionProof
  readonly consistency: ConsistencyProof
}

const START = Date.parse('2026-11-21T12:00:00.000Z')

export async function buildWorkedExample(): Promise<WorkedExample> {
  const ledgerKey = toHex(exampleLedger.publicKey)
  const actorKey = toHex(exampleActor.publicKey)
  const recipientKey = toHex(exampleRecipient.publicKey)
  const backend = createMemoryBackend()
  const clock = manualClock(START + 123)
  // A checkpoint after every 3 events and one on close: at sequence 4 (size 3) and 7 (size 6).
  const store = await openLedgerStore({ backend, signer: exampleLedger, clock, anchorEvery: 3, anchorIntervalMs: 0 })
  const commands: SignedCommand[] = []
  const run = async (nonce: string, type: string, payload: JsonValue, events: readonly { stream: string; type: string; data: JsonValue }[]) => {
    const command: Command = { type, payload, actor: actorKey, nonce, issuedAt: new Date(clock.now() - 123).toISOString(), ledger: ledgerKey }
    const signed = signCommand(command, exampleActor, referenceCrypto)
    commands.push(signed)
    await store.append({ command: signed, writes: events.map((e) => ({ stream: e.stream, expected: Expected.any, events: [{ type: e.type, data: e.data }] })) })
    clock.advance(60_000)
  }
  const transfer = (amount: string) => ({ from: actorKey, to: recipientKey, amount })
  await run('1', 'TransferOpen', { amount: '2500000000000000000', to: recipientKey }, [
    { stream: `account-${actorKey}`, type: 'OpenSent', data: transfer('2500000000000000000') },
    { stream: `account-${recipientKey}`, type: 'OpenReceived', data: transfer('2500000000000000000') },
  ])
  await run('2', 'WrapOpen', { amount: '1000000000000000000' }, [
    { stream: `account-${actorKey}`, type: 'OpenWrapped', data: { account: actorKey, amount: '1000000000000000000' } },
  ])
  await run('3', 'TransferOpen', { amount: '500000000000000000', to: recipientKey }, [
    { stream: `account-${actorKey}`, type: 'OpenSent', data: transfer('500000000000000000') },
    { stream: `account-${recipientKey}`, type: 'OpenReceived', data: transfer('500000000000000000') },
  ])
  await store.close()

  const events = await backend.readRange(1, 100)
  const lastCheckpoint = events[6]
  const checkpoint = lastCheckpoint === undefined ? undefined : anchorData(lastCheckpoint)
  const first = events[0]
  const firstCommand = commands[0]
  if (checkpoint === undefined || first === undefined || firstCommand === undefined) throw new Error('the worked example did not come out as planned')
  const proofs = new Proofs(backend)
  const heads: StreamHead[] = [
    { stream: `account-${actorKey}`, version: 3, lastSequence: 5 },
    { stream: `account-${recipientKey}`, version: 2, lastSequence: 6 },
    { stream: 'ledger-anchors', version: 1, lastSequence: 4 },
  ]
  return {
    ledgerKey,
    actorKey,
    recipientKey,
    commands,
    events,
    bundle: (await linesOf(backend)).map((line) => `${line}\n`).join(''),
    firstCommandText: canonicalize(firstCommand.command),
    firstBodyText: canonicalize(envelopeBody(first) as unknown as JsonValue),
    checkpoint,
    note: checkpointNote(checkpoint, referenceCrypto.sha256),
    vkey: noteVerifierKey(checkpoint.origin, ledgerKey, referenceCrypto.sha256),
    streamHeads: heads.map((head) => new TextDecoder().decode(streamHeadEntry(head))),
    inclusion: await proofs.inclusion(2, 6),
    consistency: await proofs.consistency(3, 6),
  }
}
