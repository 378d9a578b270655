/** The HTTP API across a ledger key rotation: the ledger id stays, /tlog/checkpoint carries both keys' signatures, proofs check from the genesis key. */
import { createHash } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkProof } from '../../../domain/ledger/proof.js'
import { Expected } from '../../../domain/ports/event-store.js'
import { nativeCrypto, nativeEd25519 } from '../../../infrastructure/crypto/native.js'
import { startTestServer, type TestServer } from './support.js'

let t: TestServer
const next = nativeEd25519.signer(new Uint8Array(32).fill(0x5a))
const newKey = Buffer.from(next.publicKey).toString('hex')
const sha = (...parts: Uint8Array[]) => new Uint8Array(createHash('sha256').update(Buffer.concat(parts)).digest())
const append = (i: number) => t.store.append({ writes: [{ stream: `thing-${i}`, expected: Expected.any, events: [{ type: 'ThingHappened', data: { i } }] }] })

/** The note's signature lines, each checked as a C2SP client would: key hash, then Ed25519 over the text. */
async function noteSigners(): Promise<string[]> {
  const note = await (await fetch(`${t.url}/tlog/checkpoint`)).text()
  const [text = '', lines = ''] = note.split('\n\n')
  const origin = text.split('\n')[0] ?? ''
  const keys = [t.store.ledgerPublicKey, newKey]
  return lines
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const signature = Buffer.from(line.split(' ')[2] ?? '', 'base64')
      const key = keys.find((k) => Buffer.from(sha(new TextEncoder().encode(`${origin}\n`), Uint8Array.of(1), Buffer.from(k, 'hex')).slice(0, 4)).equals(signature.subarray(0, 4)))
      expect(key).toBeDefined()
      expect(ed25519.verify(signature.subarray(4), new TextEncoder().encode(`${text}\n`), Buffer.from(key ?? '', 'hex'))).toBe(true)
      return key ?? ''
    })
}

beforeAll(async () => {
  t = await startTestServer()
  for (let i = 0; i < 3; i++) await append(i)
  await t.store.sealAnchor()
})
afterAll(async () => t.close())

describe('the HTTP API across a key rotation', () => {
  it('the checkpoint across the switch is signed by both keys, the next by the new key alone; the ledger id stays', async () => {
    const genesis = t.store.ledgerPublicKey
    expect(await noteSigners()).toEqual([genesis])
    const rotation = await t.store.rotateKey(next)
    expect(await noteSigners()).toEqual([newKey, genesis])
    await append(9)
    await t.store.sealAnchor()
    expect(await noteSigners()).toEqual([newKey])

    const ledger = (await (await fetch(`${t.url}/v1/ledger`)).json()) as { ledgerId: string }
    expect(ledger.ledgerId).toBe(genesis)

    for (const sequence of [1, rotation.sequence, rotation.sequence + 2]) {
      const proof = (await (await fetch(`${t.url}/v1/proofs/${sequence}`)).json()) as unknown
      expect(checkProof(proof, genesis, nativeCrypto)).toMatchObject({ ok: true, sequence })
      expect(checkProof(proof, newKey, nativeCrypto).ok).toBe(false)
    }
  })
})
