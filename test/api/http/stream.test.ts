/** SSE: resume with the eventsource client across dropped connections, no gap, no duplicate; the SDK's own resume. */
import { EventSource } from 'eventsource'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openProposal, startTestServer, type TestServer } from './support.js'

let t: TestServer

beforeAll(async () => {
  // Streams are recycled every 300 ms: each recycle is a dropped connection the client must resume across.
  t = await startTestServer({ streamMaxDurationMs: 300, heartbeatMs: 100 })
})
afterAll(async () => t.close())

describe('GET /v1/events/stream', () => {
  it('delivers every event once, in order, across dropped connections (eventsource client, Last-Event-ID)', async () => {
    const seen: number[] = []
    let opens = 0
    const source = new EventSource(`${t.url}/v1/events/stream`)
    source.addEventListener('open', () => opens++)
    const onEvent = (event: MessageEvent): void => {
      seen.push((JSON.parse(String(event.data)) as { sequence: number }).sequence)
    }
    const listened = ['GenesisEstablished', 'IdentityRegistered', 'OpenWrapped', 'VotesDelegated']
    for (const type of listened) source.addEventListener(type, onEvent)
    await openProposal(t)
    await new Promise((resolve) => setTimeout(resolve, 400))
    for (let i = 0; i < 5; i++) {
      await t.actors.bob.governance({ type: 'WrapOpen', payload: { amount: 1n } })
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    const expected: number[] = []
    for await (const e of t.store.readAll(1)) if (listened.includes(e.type)) expected.push(e.sequence)
    const deadline = Date.now() + 10_000
    while (seen.length < expected.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    source.close()
    expect(opens).toBeGreaterThanOrEqual(3)
    expect(seen).toEqual(expected)
  })

  it('the SDK subscription resumes by itself and yields exactly the log, with type and stream filters', async () => {
    const all = t.client.subscribe({ from: 1 })
    const head = (await t.store.head()).sequence
    const got: number[] = []
    for await (const envelope of all) {
      got.push(envelope.sequence)
      if (envelope.sequence === head) break
    }
    all.close()
    expect(got).toEqual(Array.from({ length: head }, (_, i) => i + 1))

    const filtered = t.client.subscribe({ types: ['OpenWrapped'], stream: `account-${t.actors.bob.publicKey}` })
    const wraps: string[] = []
    for await (const envelope of filtered) {
      wraps.push(envelope.type)
      if (wraps.length === 6) break
    }
    filtered.close()
    expect(wraps).toEqual(Array(6).fill('OpenWrapped'))
  })

  it('refuses bad filters and a bad Last-Event-ID with 400', async () => {
    expect((await fetch(`${t.url}/v1/events/stream?types=not-a-type`)).status).toBe(400)
    expect((await fetch(`${t.url}/v1/events/stream`, { headers: { 'last-event-id': 'x' } })).status).toBe(400)
  })
})
