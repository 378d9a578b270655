/** docs/ledger-format.md is normative: its worked example is recomputed here, and checked with openssl. */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { canonicalize } from '../../domain/canonical/jcs.js'
import { fromHex, toHex } from '../../domain/crypto/hex.js'
import { referenceCrypto, referenceEd25519 } from '../../domain/crypto/reference.js'
import type { JsonValue } from '../../domain/json.js'
import { commandHash, signCommand, type Command } from '../../domain/ledger/command.js'
import { checkEnvelopeSeal, envelopeBody, sealEnvelope, ZERO_HASH } from '../../domain/ledger/envelope.js'
import { merkleRoot } from '../../domain/ledger/merkle.js'
import { nativeCrypto } from '../../infrastructure/crypto/native.js'

const doc = readFileSync(new URL('../../docs/ledger-format.md', import.meta.url), 'utf8')

function block(name: string): string {
  const match = new RegExp('```\\w+ example-' + name + '\\n([\\s\\S]*?)\\n```').exec(doc)
  if (match?.[1] === undefined) throw new Error(`docs/ledger-format.md has no example-${name} block`)
  return match[1]
}

const enc = new TextEncoder()
const ledger = referenceEd25519.signer(sha256(enc.encode('model-ledger worked example: ledger key')))
const actor = referenceEd25519.signer(sha256(enc.encode('model-ledger worked example: actor key')))
const command = JSON.parse(block('command')) as Command

describe('the worked example in docs/ledger-format.md', () => {
  it('has the keys the seeds give', () => {
    expect(block('ledger-public-key')).toBe(toHex(ledger.publicKey))
    expect(block('actor-public-key')).toBe(toHex(actor.publicKey))
  })

  it('has the command hash and signature the code computes', () => {
    expect(canonicalize(command as unknown as JsonValue)).toBe(block('command'))
    expect(commandHash(command, referenceCrypto)).toBe(block('command-hash'))
    expect(signCommand(command, actor, referenceCrypto).signature).toBe(block('command-signature'))
  })

  it('has the envelope body, hash and signature the ledger writes', () => {
    const body = JSON.parse(block('body')) as Parameters<typeof sealEnvelope>[0]
    expect(body.prevHash).toBe(ZERO_HASH)
    const envelope = sealEnvelope(body, ledger, referenceCrypto)
    expect(canonicalize(envelopeBody(envelope) as unknown as JsonValue)).toBe(block('body'))
    expect(envelope.hash).toBe(block('hash'))
    expect(envelope.signature).toBe(block('signature'))
    expect(checkEnvelopeSeal(envelope, nativeCrypto)).toEqual({ ok: true })
    expect(merkleRoot([fromHex(envelope.hash)])).toBe(block('root-of-one'))
  })

  it('checks out with the documented sha256sum and openssl recipe', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ml-format-'))
    writeFileSync(join(dir, 'body.json'), block('body'))
    writeFileSync(join(dir, 'ledger.pub'), block('ledger-public-key'))
    const recipe = /```sh\n([\s\S]*?)\n```/.exec(doc)?.[1]
    if (recipe === undefined) throw new Error('no shell recipe in the document')
    const output = execFileSync('bash', ['-euo', 'pipefail', '-c', recipe], {
      cwd: dir,
      env: { ...process.env, SIGNATURE_HEX: block('signature'), HASH_HEX: block('hash') },
      encoding: 'utf8',
    })
    expect(output).toContain(`${block('hash')}  -`)
    expect(output).toContain('Signature Verified Successfully')
    expect(output).toContain(`${block('root-of-one')}  -`)
  })
})
