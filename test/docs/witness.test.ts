/** docs/witness.md is normative: its worked example is recomputed here, and its openssl recipe run. */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { toHex } from '../../domain/crypto/hex.js'
import { referenceCrypto, referenceEd25519 } from '../../domain/crypto/reference.js'
import { defaultOrigin, formatCheckpoint, logVkey, signCheckpoint } from '../../domain/tlog/checkpoint.js'
import { cosignatureMessage, cosignatureSigner, cosignatureVerifier } from '../../domain/tlog/cosignature.js'
import { DenseTree } from '../../domain/tlog/dense-tree.js'
import { leafHash } from '../../domain/tlog/hash.js'
import { openNote, signatureLine } from '../../domain/tlog/note.js'
import { consistencyProof } from '../../domain/tlog/proof.js'
import { verifierFromVkey, vkeyOf } from '../../domain/tlog/vkey.js'
import { formatAddCheckpoint, formatSizeBody, judgeAddCheckpoint, parseAddCheckpoint } from '../../domain/tlog/witness.js'

const doc = readFileSync(new URL('../../docs/witness.md', import.meta.url), 'utf8')

function block(name: string): string {
  const match = new RegExp('```text example-' + name + '\\n([\\s\\S]*?)\\n```').exec(doc)
  if (match?.[1] === undefined) throw new Error(`docs/witness.md has no example-${name} block`)
  return match[1]
}

const enc = new TextEncoder()
const crypto = referenceCrypto
const log = referenceEd25519.signer(sha256(enc.encode('model-ledger witness example: log key')))
const witness = referenceEd25519.signer(sha256(enc.encode('model-ledger witness example: witness key')))
const WITNESS = 'witness.example/w1'
const TIMESTAMP = 1767225600
const tree = new DenseTree(sha256)
for (let i = 0; i < 7; i++) tree.append(leafHash(sha256(enc.encode(`example entry ${i}`))))
const origin = defaultOrigin(toHex(log.publicKey))
const text = formatCheckpoint({ origin, size: 7, root: tree.root(7), extensions: [] })

describe('the worked example in docs/witness.md', () => {
  it('has the keys and vkeys the seeds give', () => {
    expect(block('log-public-key')).toBe(toHex(log.publicKey))
    expect(block('witness-public-key')).toBe(toHex(witness.publicKey))
    expect(block('log-vkey')).toBe(logVkey(origin, log.publicKey, crypto))
    expect(block('witness-vkey')).toBe(vkeyOf(cosignatureVerifier(WITNESS, witness.publicKey, crypto)))
    expect(doc).toContain(`"origin": "${origin}", "vkeys": ["${block('log-vkey')}"]`)
  })

  it('has the checkpoint the log signs, and it verifies under the log vkey', () => {
    expect(`${block('checkpoint')}\n`).toBe(signCheckpoint(origin, 7, tree.root(7), log, crypto))
    const verifier = verifierFromVkey(block('log-vkey'), crypto)
    expect(verifier.ok && openNote(`${block('checkpoint')}\n`, [verifier.value]).ok).toBe(true)
  })

  it('has the request a log sends from size 4, and the witness accepts it', () => {
    const request = `${block('request')}\n`
    expect(request).toBe(formatAddCheckpoint(4, consistencyProof(tree, 4, 7, sha256), `${block('checkpoint')}\n`))
    const parsed = parseAddCheckpoint(enc.encode(request))
    const verifier = verifierFromVkey(block('log-vkey'), crypto)
    if (!parsed.ok || !verifier.ok) throw new Error('the example does not parse')
    const view = { verifiersOf: () => [verifier.value], latest: () => ({ size: 4, root: tree.root(4) }) }
    expect(judgeAddCheckpoint(parsed.value, view, sha256).ok).toBe(true)
    expect(judgeAddCheckpoint(parsed.value, { ...view, latest: () => ({ size: 2, root: tree.root(2) }) }, sha256)).toMatchObject({ status: 409, size: 2 })
    expect(`${block('conflict')}\n`).toBe(formatSizeBody(4))
  })

  it('has the cosigned message and the cosignature line, which verifies under the witness vkey', () => {
    expect(`${block('cosigned-message')}\n`).toBe(new TextDecoder().decode(cosignatureMessage(text, BigInt(TIMESTAMP))))
    expect(block('cosignature')).toBe(signatureLine(cosignatureSigner(WITNESS, witness, crypto, TIMESTAMP), text))
    const verifier = verifierFromVkey(block('witness-vkey'), crypto)
    expect(verifier.ok && openNote(`${block('checkpoint')}\n${block('cosignature')}\n`, [verifier.value]).ok).toBe(true)
  })

  it('checks out with the documented openssl recipe', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ml-witness-doc-'))
    writeFileSync(join(dir, 'message.txt'), `${block('cosigned-message')}\n`)
    writeFileSync(join(dir, 'witness.pub'), block('witness-public-key'))
    const recipe = /```sh\n([\s\S]*?)\n```/.exec(doc)?.[1]
    if (recipe === undefined) throw new Error('no shell recipe in the document')
    const output = execFileSync('bash', ['-euo', 'pipefail', '-c', recipe], { cwd: dir, env: { ...process.env, LINE: block('cosignature') }, encoding: 'utf8' })
    expect(output).toContain('000000006955b900')
    expect(output).toContain('Signature Verified Successfully')
  })
})
