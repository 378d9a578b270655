/**
 * docs/ledger-format.md is normative: its worked example is rebuilt here with the project's code
 * and must be byte for byte what the document shows, every hash in it is recomputed, and its shell
 * recipe is run on the document's own blocks with sha256sum and openssl.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { canonicalize } from '../../domain/canonical/jcs.js'
import { fromHex, toHex } from '../../domain/crypto/hex.js'
import { referenceCrypto, referenceEd25519 } from '../../domain/crypto/reference.js'
import type { JsonValue } from '../../domain/json.js'
import { anchorData, checkpointText } from '../../domain/ledger/anchor.js'
import { BUNDLE_VERSION } from '../../domain/ledger/bundle.js'
import { commandHash, signCommand, type Command } from '../../domain/ledger/command.js'
import { checkEnvelopeSeal, envelopeBody, LEDGER_FORMAT, sealEnvelope, ZERO_HASH, type EnvelopeBody } from '../../domain/ledger/envelope.js'
import { merkleRoot, StreamingRoot } from '../../domain/ledger/merkle.js'
import { checkProof, type ConsistencyProof, type InclusionProof } from '../../domain/ledger/proof.js'
import { StreamHeads, streamHeadEntry } from '../../domain/ledger/stream-heads.js'
import { bundleFileLines } from '../../infrastructure/bundle/lines.js'
import { nativeCrypto } from '../../infrastructure/crypto/native.js'
import { verifyLines } from '../../infrastructure/verify/verifier.js'
import { scratchDirs } from '../support/scratch.js'
import { buildLedger, seed } from '../support/ledger-fixture.js'
import { nativeEd25519 } from '../../infrastructure/crypto/native.js'
import { Proofs } from '../../infrastructure/proofs/build-proof.js'
import { KEY_FILE_VERSION } from '../../infrastructure/keys/format.js'
import { rotationStatement } from '../../domain/ledger/key-rotation.js'
import { REPORT_VERSION, REPORT_VERSION_ROTATED } from '../../projections/lineage/report-format.js'
import { buildWorkedExample, exampleActor, exampleLedger, exampleRecipient, exampleSeed } from './ledger-format-example.js'

const docPath = new URL('../../docs/ledger-format.md', import.meta.url)
const doc = readFileSync(docPath, 'utf8')

function block(name: string): string {
  const match = new RegExp('```\\w+ example-' + name + '\\n([\\s\\S]*?)\\n```').exec(doc)
  if (match?.[1] === undefined) throw new Error(`docs/ledger-format.md has no example-${name} block`)
  return match[1]
}

const scratch = scratchDirs('ml-format-')

const example = await buildWorkedExample()
const ledgerKey = example.ledgerKey
const events = example.events
const sha256 = referenceCrypto.sha256

describe('the document', () => {
  it('names the format version the code writes', () => {
    expect(LEDGER_FORMAT).toBe(3)
    expect(BUNDLE_VERSION).toBe(LEDGER_FORMAT)
    expect(doc).toContain(`This is **format ${LEDGER_FORMAT}**`)
    expect(doc).toContain('| every envelope (hashed, so fixed by the ledger\'s signature) | `format` | `3` |')
  })

  it('lists in its version table exactly the versions the code writes and accepts', async () => {
    const row = (what: string): number[] => {
      const line = doc.split('\n').find((l) => l.startsWith(`| ${what} |`))
      if (line === undefined) throw new Error(`no version row for ${what}`)
      const value = line.split('|')[3] ?? ''
      return [...value.matchAll(/`(\d+)`/g)].map((m) => Number(m[1]))
    }
    // What the proof builder emits, before and after a rotation under the checkpoint.
    const { store, backend } = await buildLedger([{ stream: 'account-a', events: 2, command: true }, { rotateTo: nativeEd25519.signer(seed(41)) }, { stream: 'account-a', events: 2, command: true }], { anchorEvery: 2 })
    await store.close()
    const checkpoints = (await backend.readRange(1, (await backend.head()).sequence)).filter((e) => e.type === 'LedgerAnchored')
    const proofs = new Proofs(backend)
    const sizes = checkpoints.map((c) => c.sequence - 1)
    const inclusion = new Set<number>()
    const consistency = new Set<number>()
    for (const size of sizes) {
      inclusion.add((await proofs.inclusion(1, size)).version)
      consistency.add((await proofs.consistency(sizes[0] as number, size)).version)
    }
    expect(row('an inclusion proof')).toEqual([...inclusion].sort())
    expect(row('a consistency proof')).toEqual([...consistency].sort())
    expect(row('an inclusion proof')).toEqual([2, 3])
    expect(row('a consistency proof')).toEqual([1, 2])
    expect(row('a lineage report')).toEqual([REPORT_VERSION, REPORT_VERSION_ROTATED])
    expect(row('a key file')).toEqual([KEY_FILE_VERSION])
    expect(row('a bundle\'s header line')).toEqual([BUNDLE_VERSION])
    expect(doc).toContain(`| a key rotation's statement (signed by the incoming key) | its first line | \`${rotationStatement('l', 1, 'p', 'n').split('\n')[0] ?? ''}\` |`)
  })

  it('leaves key rotation to its own section', () => {
    expect(doc).toMatch(/\n## Key rotation\n/)
  })
})

describe('the worked example in docs/ledger-format.md', () => {
  it('has the keys the seeds give', () => {
    expect(block('ledger-public-key')).toBe(toHex(referenceEd25519.signer(exampleSeed('ledger key')).publicKey))
    expect(block('ledger-public-key')).toBe(toHex(exampleLedger.publicKey))
    expect(block('actor-public-key')).toBe(toHex(exampleActor.publicKey))
    expect(block('recipient-public-key')).toBe(toHex(exampleRecipient.publicKey))
  })

  it('shows the bundle the ledger exports, byte for byte, and it verifies under the ledger key', async () => {
    expect(`${block('bundle')}\n`).toBe(example.bundle)
    const file = join(scratch(), 'example.bundle.jsonl')
    writeFileSync(file, `${block('bundle')}\n`)
    const report = await verifyLines(bundleFileLines(file), { trustedKey: ledgerKey, workers: 0 })
    expect(report.failure).toBeNull()
    expect(report.summary).toMatchObject({ events: 7, commands: 3, anchors: 2, streams: 3, unanchored: 0, checkpoint: { treeSize: 6, root: example.checkpoint.root } })
  })

  it('has the command, its hash and signature the code computes', () => {
    const command = JSON.parse(block('command')) as Command
    expect(canonicalize(command as unknown as JsonValue)).toBe(block('command'))
    expect(block('command')).toBe(example.firstCommandText)
    expect(commandHash(command, referenceCrypto)).toBe(block('command-hash'))
    expect(toHex(sha256(new TextEncoder().encode(block('command'))))).toBe(block('command-hash'))
    expect(signCommand(command, exampleActor, referenceCrypto).signature).toBe(block('command-signature'))
  })

  it('has the first envelope body, hash and signature the ledger writes', () => {
    const body = JSON.parse(block('body')) as EnvelopeBody
    expect(body.prevHash).toBe(ZERO_HASH)
    expect(body.format).toBe(LEDGER_FORMAT)
    const envelope = sealEnvelope(body, exampleLedger, referenceCrypto)
    expect(canonicalize(envelopeBody(envelope) as unknown as JsonValue)).toBe(block('body'))
    expect(block('body')).toBe(example.firstBodyText)
    expect(toHex(sha256(new TextEncoder().encode(block('body'))))).toBe(block('hash'))
    expect(envelope.hash).toBe(block('hash'))
    expect(envelope.signature).toBe(block('signature'))
    expect(envelope).toEqual(events[0])
    expect(checkEnvelopeSeal(envelope, nativeCrypto)).toEqual({ ok: true })
  })

  it('has checkpoints whose roots and right edges are those of the tree of every event before them', () => {
    expect(events.map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7])
    const entries = events.map((e) => fromHex(e.hash))
    for (const checkpoint of [events[3], events[6]]) {
      const data = checkpoint === undefined ? undefined : anchorData(checkpoint)
      if (checkpoint === undefined || data === undefined) throw new Error('no checkpoint')
      expect(data.treeSize).toBe(checkpoint.sequence - 1)
      expect(merkleRoot(entries.slice(0, data.treeSize), sha256)).toBe(data.root)
      const tree = new StreamingRoot(sha256)
      entries.slice(0, data.treeSize).forEach((entry) => tree.push(entry))
      expect(data.rightEdge).toEqual(tree.rightEdge())
    }
    expect(example.checkpoint.rightEdge).toEqual([merkleRoot(entries.slice(0, 4), sha256), merkleRoot(entries.slice(4, 6), sha256)])
  })

  it('shows the checkpoint data, its signed note and the vkey the code produces', () => {
    expect(block('checkpoint-data')).toBe(canonicalize(example.checkpoint as unknown as JsonValue))
    expect(`${block('checkpoint-note')}\n`).toBe(example.note)
    expect(block('vkey')).toBe(example.vkey)
    const text = checkpointText(example.checkpoint.origin, 6, example.checkpoint.root)
    expect(example.note.startsWith(`${text}\n\u2014 ${example.checkpoint.origin} `)).toBe(true)
    const signatureLine = Buffer.from(example.note.split('\n')[4]?.split(' ')[2] ?? '', 'base64')
    expect(toHex(signatureLine.subarray(4))).toBe(example.checkpoint.signatures[0]?.signature)
    expect(referenceCrypto.ed25519.verify(exampleLedger.publicKey, new TextEncoder().encode(text), signatureLine.subarray(4))).toBe(true)
  })

  it('shows the stream-heads map the checkpoint commits to', () => {
    const heads = new StreamHeads(sha256)
    for (const e of events.slice(0, 6)) heads.record(e.stream, e.streamVersion, e.sequence)
    expect(heads.commit()).toEqual(example.checkpoint.streams)
    const order = [...new Set(events.slice(0, 6).map((e) => e.stream))]
    const lines = order.map((stream) => new TextDecoder().decode(streamHeadEntry(heads.head(stream) ?? { stream, version: 0, lastSequence: 0 })))
    expect(block('stream-heads')).toBe(lines.join('\n'))
    expect(lines).toEqual(example.streamHeads)
  })

  it('shows an inclusion proof the code builds and checks, bound to its index', () => {
    expect(block('inclusion-proof')).toBe(canonicalize(example.inclusion as unknown as JsonValue))
    const proof = JSON.parse(block('inclusion-proof')) as InclusionProof
    expect(checkProof(proof, ledgerKey, nativeCrypto)).toEqual({ ok: true, kind: 'inclusion', sequence: 2, checkpointSequence: 7, treeSize: 6 })
    expect(checkProof(proof, ledgerKey, referenceCrypto).ok).toBe(true)
    // Probes an outside verifier would make: a closed schema, and positions from the index alone.
    expect(checkProof({ ...proof, note: 'x' }, ledgerKey, nativeCrypto)).toMatchObject({ ok: false, reason: expect.stringMatching(/unknown member "note"/) as unknown })
    expect(checkProof({ ...proof, path: [] }, ledgerKey, nativeCrypto)).toMatchObject({ ok: false, reason: expect.stringMatching(/unknown member "path"/) as unknown })
    const [a, b, c] = proof.hashes
    expect(checkProof({ ...proof, hashes: [b, a, c] }, ledgerKey, nativeCrypto)).toMatchObject({ ok: false, reason: expect.stringMatching(/root-mismatch/) as unknown })
    expect(checkProof({ ...proof, leafIndex: 0 }, ledgerKey, nativeCrypto)).toMatchObject({ ok: false, reason: expect.stringMatching(/leafIndex 0/) as unknown })
    expect(checkProof({ ...proof, version: 1 }, ledgerKey, nativeCrypto).ok).toBe(false)
  })

  it('shows a consistency proof the code builds and checks', () => {
    expect(block('consistency-proof')).toBe(canonicalize(example.consistency as unknown as JsonValue))
    const proof = JSON.parse(block('consistency-proof')) as ConsistencyProof
    expect(checkProof(proof, ledgerKey, nativeCrypto)).toEqual({ ok: true, kind: 'consistency', oldSize: 3, newSize: 6, oldSequence: 4, newSequence: 7 })
    expect(proof.hashes).toHaveLength(4)
    expect(checkProof({ ...proof, extra: 1 }, ledgerKey, nativeCrypto)).toMatchObject({ ok: false, reason: expect.stringMatching(/unknown member "extra"/) as unknown })
    expect(checkProof({ ...proof, old: proof.new, new: proof.old }, ledgerKey, nativeCrypto).ok).toBe(false)
    expect(checkProof({ ...proof, hashes: [...proof.hashes].reverse() }, ledgerKey, nativeCrypto).ok).toBe(false)
  })
})

const recipe = block('recipe')
const openssl = spawnSync('openssl', ['version'], { encoding: 'utf8' })
const hasOpenssl = openssl.status === 0 && /^OpenSSL 3\./.test(openssl.stdout)

function runRecipe(docText: string): { status: number | null; stdout: string; stderr: string } {
  const dir = scratch()
  writeFileSync(join(dir, 'ledger-format.md'), docText)
  writeFileSync(join(dir, 'recipe.sh'), recipe)
  const run = spawnSync('bash', ['recipe.sh'], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C.UTF-8' } })
  return { status: run.status, stdout: run.stdout, stderr: run.stderr }
}

describe('the shell recipe in docs/ledger-format.md', () => {
  if (!hasOpenssl) {
    it.skip('is run only where OpenSSL 3 is installed: openssl is absent here, so the recipe was not run', () => {})
    return
  }

  it('defines every variable it uses, reads every value from the document, and checks them all', () => {
    const run = runRecipe(doc)
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
    const expected = [
      'ok ledger key', 'ok actor key', 'ok recipient key', 'ok bundle ends with LF', 'ok bundle has no CR',
      ...[1, 2, 3, 4, 5, 6, 7].flatMap((i) => [`ok event ${i} sequence`, `ok event ${i} hash`, `ok event ${i} prevHash`, `ok event ${i} signature`]),
      'ok header head', 'ok command hash', 'ok command signature', 'ok event 1 body hash', 'ok event 1 is the first entry', 'ok event 1 signature',
      'ok root of size 3', 'ok root of size 6', 'ok right edge of size 6', 'ok checkpoint data is that of sequence 7', 'ok stream-heads map',
      'ok note tree size', 'ok note root', 'ok note blank line', 'ok signature line names the origin', 'ok signature key hash', 'ok note signature',
      'ok note signature is the one in the data', 'ok vkey',
      'ok inclusion proof envelopes', 'ok inclusion proof length', 'ok inclusion proof',
      'ok consistency proof envelopes', 'ok consistency proof length', 'ok consistency proof: old root', 'ok consistency proof: new root',
    ]
    expect(run.stdout.trim().split('\n')).toEqual(expected)
  }, 300_000)

  it('stops at the first byte that does not check out', () => {
    const eventOne = block('bundle').split('\n')[2] ?? ''
    const tampered = doc.replace(eventOne, eventOne.replace('"amount":"2500000000000000000"', '"amount":"2500000000000000001"'))
    expect(tampered).not.toBe(doc)
    const run = runRecipe(tampered)
    expect(run.status).not.toBe(0)
    expect(run.stderr).toMatch(/^MISMATCH event 1 hash/m)
    expect(run.stdout).not.toMatch(/ok event 1 hash/)
  }, 120_000)
})
