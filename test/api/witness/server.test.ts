import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { cosignatureVerifier } from '../../../domain/tlog/cosignature.js'
import { openNote } from '../../../domain/tlog/note.js'
import { verifierFromVkey } from '../../../domain/tlog/vkey.js'
import { startWitnessServer, type RunningWitness } from '../../../api/witness/server.js'
import { submitCheckpoint } from '../../../infrastructure/witness/client.js'
import type { WitnessState } from '../../../infrastructure/witness/state.js'
import { originHash } from '../../../infrastructure/witness/witness.js'
import { crypto, openState, tempDir, testLog, WITNESS_NAME, witnessKey, witnessOn } from '../../infrastructure/witness/support.js'

const log = testLog()
const witnessVerifier = cosignatureVerifier(WITNESS_NAME, witnessKey.publicKey, crypto)
const open: Array<{ server: RunningWitness; state: WitnessState }> = []

async function start(dir = tempDir()): Promise<{ url: string; dir: string; state: WitnessState; server: RunningWitness }> {
  const state = openState(dir)
  const server = await startWitnessServer({ witness: witnessOn(state, [log]), port: 0 })
  open.push({ server, state })
  return { url: server.url, dir, state, server }
}

async function stop(running: { server: RunningWitness; state: WitnessState }): Promise<void> {
  await running.server.close()
  running.state.close()
  open.splice(open.findIndex((entry) => entry.server === running.server), 1)
}

afterEach(async () => {
  for (const entry of [...open]) await stop(entry)
})

const submit = (url: string, oldSize: number, size: number, history = 'a', shared = 0) =>
  submitCheckpoint(url, oldSize, log.proof(oldSize, size, history, shared), log.checkpoint(size, history, shared), { verifier: witnessVerifier })

async function post(url: string, body: string | Uint8Array): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`${url}/add-checkpoint`, { method: 'POST', body })
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() }
}

describe('the witness over HTTP', () => {
  it('cosigns a first checkpoint from old size 0, then growth with a valid proof', async () => {
    const { url } = await start()
    const first = await submit(url, 0, 10)
    expect(first).toMatchObject({ ok: true })
    expect(first.ok && first.cosignatures.length).toBe(1)
    expect(first.ok && first.cosignatures[0]?.startsWith(`— ${WITNESS_NAME} `)).toBe(true)
    const grown = await submit(url, 10, 33)
    expect(grown.ok).toBe(true)
    // The cosigned checkpoint: the log's note plus the returned line, verifying under both keys.
    const logVerifier = verifierFromVkey(log.vkey, crypto)
    if (!grown.ok || !logVerifier.ok) throw new Error('not accepted')
    expect(openNote(`${log.checkpoint(33)}${grown.body}`, [logVerifier.value, witnessVerifier]).ok).toBe(true)
  })

  it('answers 409 with its size as text/x.tlog.size; the client retries with a proof from there', async () => {
    const { url } = await start()
    expect((await submit(url, 0, 12)).ok).toBe(true)
    const raw = await post(url, log.body(0, 20))
    expect(raw).toEqual({ status: 409, type: 'text/x.tlog.size', text: '12\n' })
    const conflict = await submit(url, 3, 20)
    expect(conflict).toEqual({ ok: false, kind: 'conflict', size: 12 })
    if (conflict.ok || conflict.kind !== 'conflict') throw new Error('no conflict')
    expect((await submit(url, conflict.size, 20)).ok).toBe(true)
  })

  it('refuses a bad proof, a fork at the same size and a fork that grows, with 422 problems; nothing moves', async () => {
    const { url, state } = await start()
    expect((await submit(url, 0, 16)).ok).toBe(true)
    const bent = log.proof(16, 30).map((hash, i) => (i === 0 ? crypto.sha256(hash) : hash))
    const bad = await submitCheckpoint(url, 16, bent, log.checkpoint(30))
    expect(bad).toMatchObject({ ok: false, kind: 'refused', status: 422, type: '/problems/witness/inconsistent' })
    expect(await submit(url, 16, 16, 'b')).toMatchObject({ ok: false, kind: 'refused', status: 422 })
    expect(await submit(url, 16, 40, 'b', 8)).toMatchObject({ ok: false, kind: 'refused', status: 422 })
    expect(state.latest(log.origin)?.size).toBe(16)
    expect(state.evidence(log.origin).length).toBe(3)
  })

  it('refuses a rollback (old above size: 400), an unknown log (404), a checkpoint it cannot verify (403), as problems', async () => {
    const { url } = await start()
    expect((await submit(url, 0, 16)).ok).toBe(true)
    const rollback = await post(url, `old 16\n\n${log.checkpoint(9)}`)
    expect(rollback.status).toBe(400)
    expect(rollback.type).toBe('application/problem+json')
    expect(JSON.parse(rollback.text)).toMatchObject({ type: '/problems/witness/old-size-too-large', status: 400, code: 'old-size-too-large' })
    expect((await post(url, testLog('stranger.example/log').body(0, 3))).status).toBe(404)
    expect((await post(url, testLog(log.origin, 0x33).body(16, 20))).status).toBe(403)
    const tampered = log.body(16, 20).replace('\n20\n', '\n21\n')
    expect(JSON.parse((await post(url, tampered)).text)).toMatchObject({ status: 403, code: 'bad-signature' })
  })

  it('refuses malformed bodies with 400, oversized ones with 413, and other paths and methods', async () => {
    const { url } = await start()
    expect((await post(url, 'old 00\n\n')).status).toBe(400)
    expect(JSON.parse((await post(url, `old 0\n\n${log.checkpoint(3).replace('\n3\n', '\n03\n')}`)).text)).toMatchObject({ code: 'malformed-checkpoint' })
    expect((await post(url, new Uint8Array(2 * 1024 * 1024))).status).toBe(413)
    const get = await fetch(`${url}/add-checkpoint`)
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST'])
    expect((await fetch(`${url}/nothing`)).status).toBe(404)
  })

  it('serves the latest cosigned checkpoint by origin hash, with the log\'s and its own signatures', async () => {
    const { url } = await start()
    const path = `${url}/${originHash(log.origin, crypto)}/checkpoint`
    expect((await fetch(path)).status).toBe(404)
    expect((await submit(url, 0, 7)).ok).toBe(true)
    const response = await fetch(path)
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    const logVerifier = verifierFromVkey(log.vkey, crypto)
    if (!logVerifier.ok) throw new Error(logVerifier.reason)
    const opened = openNote(await response.text(), [logVerifier.value, witnessVerifier])
    expect(opened.ok && opened.value.verified.map((s) => s.name)).toEqual([log.origin, WITNESS_NAME])
  })

  it('keeps what it cosigned across a restart', async () => {
    const first = await start()
    expect((await submit(first.url, 0, 21)).ok).toBe(true)
    await stop(first)
    const again = await start(first.dir)
    expect(await submit(again.url, 0, 30)).toEqual({ ok: false, kind: 'conflict', size: 21 })
    expect((await submit(again.url, 21, 30)).ok).toBe(true)
  })

  it('of concurrent submissions from the same size exactly one advances; the rest learn the new size', async () => {
    const { url, state } = await start()
    expect((await submit(url, 0, 4)).ok).toBe(true)
    const contenders = [10, 11, 12, 13, 14, 15, 16, 17].map((size, i) => submit(url, 4, size, i % 2 === 0 ? 'a' : 'b', 4))
    const results = await Promise.all(contenders)
    const winners = results.filter((result) => result.ok)
    expect(winners.length).toBe(1)
    const size = state.latest(log.origin)?.size
    for (const result of results) if (!result.ok) expect(result).toEqual({ ok: false, kind: 'conflict', size })
  })
})

describe('submitCheckpoint against a witness that misbehaves', () => {
  async function liar(status: number, contentType: string, body: string): Promise<{ url: string; close: () => void }> {
    const server = createServer((_req, res) => {
      res.writeHead(status, { 'content-type': contentType })
      res.end(body)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() }
  }

  it.each([
    ['a 409 without the size type', 409, 'text/plain', '5\n'],
    ['a 409 with a leading zero', 409, 'text/x.tlog.size', '05\n'],
    ['a 200 that is not signature lines', 200, 'text/plain', 'hello\n'],
    ['a 200 with a blank line', 200, 'text/plain', `\n— ${WITNESS_NAME} AAAAAAAAAAA=\n`],
    ['a 200 whose cosignature does not verify', 200, 'text/plain', `— ${WITNESS_NAME} ${Buffer.alloc(76).toString('base64')}\n`],
  ])('reports %s as a bad response', async (_what, status, contentType, body) => {
    const fake = await liar(status, contentType, body)
    try {
      expect(await submitCheckpoint(fake.url, 0, [], log.checkpoint(5), { verifier: witnessVerifier })).toMatchObject({ ok: false, kind: 'bad-response' })
    } finally {
      fake.close()
    }
  })

  it('reports an unreachable witness', async () => {
    const fake = await liar(200, 'text/plain', '')
    fake.close()
    expect(await submitCheckpoint(fake.url, 0, [], log.checkpoint(5), { timeoutMs: 2000 })).toMatchObject({ ok: false, kind: 'unreachable' })
  })
})
