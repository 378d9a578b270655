/**
 * /tlog/ read as a C2SP tile client would, from the texts alone: the checkpoint note verified with
 * Ed25519 under the ledger key, every leaf fetched from level-0 tiles, the root rebuilt from the RFC
 * 9162 definition, the level-1 tile and the entry bundles checked against them.
 */
import { createHash } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Expected } from '../../../domain/ports/event-store.js'
import { tileIndexPath } from '../../../domain/tlog/tiles.js'
import { startTestServer, type TestServer } from './support.js'

let t: TestServer
const sha = (...parts: Uint8Array[]) => new Uint8Array(createHash('sha256').update(Buffer.concat(parts)).digest())

function mth(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 1) return leaves[0] as Uint8Array
  let k = 1
  while (k * 2 < leaves.length) k *= 2
  return sha(Uint8Array.of(1), mth(leaves.slice(0, k)), mth(leaves.slice(k)))
}

const bytes = async (path: string) => {
  const response = await fetch(`${t.url}/tlog/${path}`)
  return { status: response.status, cache: response.headers.get('cache-control'), body: new Uint8Array(await response.arrayBuffer()) }
}

beforeAll(async () => {
  t = await startTestServer()
  for (let i = 0; i < 7; i++) {
    await t.store.append({ writes: [{ stream: `thing-${i}`, expected: Expected.any, events: Array.from({ length: 100 }, (_, j) => ({ type: 'ThingHappened', data: { i, j } })) }] })
  }
  await t.store.sealAnchor()
})
afterAll(async () => t.close())

describe('/tlog/ as a C2SP tile client reads it', () => {
  it('the checkpoint note verifies under the ledger key, and every tile agrees with its root', async () => {
    const response = await fetch(`${t.url}/tlog/checkpoint`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
    const note = await response.text()
    const [text = '', signatures = ''] = note.split('\n\n')
    const [origin = '', sizeText = '', rootText = ''] = text.split('\n')
    expect(`${origin}\n${sizeText}\n${rootText}\n`).toBe(`${text}\n`)
    const size = Number(sizeText)
    expect(size).toBe(700)
    const line = /^\u2014 (\S+) (\S+)\n$/.exec(signatures)
    expect(line?.[1]).toBe(origin)
    const signature = Buffer.from(line?.[2] ?? '', 'base64')
    const key = Buffer.from(t.store.ledgerPublicKey, 'hex')
    expect(signature.subarray(0, 4)).toEqual(Buffer.from(sha(new TextEncoder().encode(`${origin}\n`), Uint8Array.of(1), key).slice(0, 4)))
    expect(ed25519.verify(signature.subarray(4), new TextEncoder().encode(`${text}\n`), key)).toBe(true)

    const leaves: Uint8Array[] = []
    for (let tile = 0; tile * 256 < size; tile++) {
      const width = Math.min(256, size - tile * 256)
      const got = await bytes(`tile/0/${tileIndexPath(tile)}${width < 256 ? `.p/${width}` : ''}`)
      expect(got.status).toBe(200)
      expect(got.body.length).toBe(width * 32)
      if (width === 256) expect(got.cache).toMatch(/immutable/)
      for (let i = 0; i < width; i++) leaves.push(got.body.slice(i * 32, i * 32 + 32))
    }
    expect(Buffer.from(mth(leaves)).toString('base64')).toBe(rootText)

    const level1 = await bytes('tile/1/000.p/2')
    expect(level1.status).toBe(200)
    expect(Buffer.from(level1.body)).toEqual(Buffer.concat([mth(leaves.slice(0, 256)), mth(leaves.slice(256, 512))]))

    const entries = await bytes('tile/entries/000')
    expect(entries.body.length).toBe(256 * 34)
    const events = await t.client.events({ from: 1, limit: 256 })
    events.events.forEach((event, i) => {
      expect(Array.from(entries.body.slice(i * 34, i * 34 + 2))).toEqual([0, 32])
      const entry = entries.body.slice(i * 34 + 2, i * 34 + 34)
      expect(Buffer.from(entry).toString('hex')).toBe(event.hash)
      expect(Buffer.from(sha(Uint8Array.of(0), entry))).toEqual(Buffer.from(leaves[i] as Uint8Array))
    })
  })

  it('refuses paths that are not canonical tile paths, and tiles beyond the log', async () => {
    for (const path of ['tile/0/0001', 'tile/0/x000/001', 'tile/0/000.p/0', 'tile/0/000.p/256', 'tile/0/000.p/010', 'tile/01/000', 'tile/0/003', 'tile/1/000', 'tile/entries/003', 'tile/x/000']) {
      const got = await fetch(`${t.url}/tlog/${path}`)
      expect(got.status, path).toBe(404)
      expect(got.headers.get('content-type'), path).toMatch(/^application\/problem\+json/)
    }
  })
})
