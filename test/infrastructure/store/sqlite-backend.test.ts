import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { fromHex } from '../../../domain/crypto/hex.js'
import { anchorData, isAnchor } from '../../../domain/ledger/anchor.js'
import { merkleRoot } from '../../../domain/ledger/merkle.js'
import { Expected, type EventStore } from '../../../domain/ports/event-store.js'
import { nativeCrypto } from '../../../infrastructure/crypto/native.js'
import { createSqliteBackend } from '../../../infrastructure/store/sqlite-backend.js'
import { openLedgerStore, type LedgerStoreOptions } from '../../../infrastructure/store/ledger-store.js'
import { describeEventStore } from './conformance.js'
import { assertChain, collect, command, intercept, ledgerSigner, otherLedgerSigner } from './support.js'
import { checkTakesInOtherWriters } from './other-writers.js'

function tempFile(): { file: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-sqlite-'))
  return { file: join(dir, 'ledger.db'), remove: () => rmSync(dir, { recursive: true, force: true }) }
}

describeEventStore('sqlite', () => {
  const { file, remove } = tempFile()
  const opened: { close(): Promise<void> }[] = []
  return {
    backend() {
      const backend = createSqliteBackend(file)
      opened.push(backend)
      return backend
    },
    async dispose() {
      for (const backend of opened) await backend.close()
      remove()
    },
  }
})

describe('sqlite backend: durability and sharing', () => {
  const cleanups: (() => Promise<void> | void)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  function file(): string {
    const temp = tempFile()
    cleanups.push(temp.remove)
    return temp.file
  }

  async function open(path: string, options: Partial<LedgerStoreOptions> = {}): Promise<EventStore> {
    const store = await openLedgerStore({ backend: createSqliteBackend(path), signer: ledgerSigner, anchorIntervalMs: 0, ...options })
    cleanups.push(() => store.close())
    return store
  }

  it('a reopened file recovers head, stream versions, last anchor and the unanchored events', async () => {
    const path = file()
    const first = await open(path, { anchorEvery: 4 })
    for (let i = 0; i < 6; i++) await first.append({ writes: [{ stream: `order-${i % 2}`, expected: Expected.any, events: [{ type: 'Placed', data: { i } }] }] })
    const headBefore = await first.head()
    // Drop the store without close(), as a crash would: events 6 and 7 stay unanchored.
    const backend = createSqliteBackend(path)
    cleanups.push(() => backend.close())
    const second = await open(path, { anchorEvery: 4 })
    expect(await second.head()).toEqual(headBefore)
    expect(headBefore.lastAnchor.sequence).toBe(5)
    expect(await second.streamVersion('order-0')).toBe(3)
    await second.append({ writes: [{ stream: 'order-0', expected: Expected.exact(3), events: [{ type: 'Placed', data: {} }] }] })
    const anchor = await second.sealAnchor()
    const data = anchor === undefined ? undefined : anchorData(anchor)
    // The reopened sequencer resumed the tree from the last checkpoint's right edge and the stream heads from the file.
    expect(data).toMatchObject({ treeSize: 8, streams: { count: 3 } })
    const log = await collect(second.readAll())
    expect(data?.root).toBe(merkleRoot(log.slice(0, 8).map((e) => fromHex(e.hash))))
    assertChain(log, second.ledgerPublicKey)
  })

  it('two stores on one file interleaving appends never fork the chain', async () => {
    const path = file()
    const a = await open(path, { anchorEvery: 16 })
    const b = await open(path, { anchorEvery: 16 })
    const append = (store: EventStore, i: number) =>
      store.append({ writes: [{ stream: `order-${i % 5}`, expected: Expected.any, events: [{ type: 'Placed', data: { i } }] }] })
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => append(i % 2 === 0 ? a : b, i)))
    const log = await collect(a.readAll())
    assertChain(log, a.ledgerPublicKey)
    expect(log.filter((e) => !isAnchor(e))).toHaveLength(200)
    expect(new Set(results.map((r) => r.firstSequence)).size).toBe(200)
  })

  it('two stores on one file sent the same command concurrently write its events once', async () => {
    const path = file()
    const a = await open(path)
    const b = await open(path)
    const request = { writes: [{ stream: 'order-1', expected: Expected.any, events: [{ type: 'Placed', data: {} }] }], command: command() }
    const results = await Promise.all([a, b, a, b].map((store) => store.append(request)))
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1)
    expect(new Set(results.map((r) => r.firstSequence)).size).toBe(1)
    expect(await a.streamVersion('order-1')).toBe(1)
  })

  it('a store sees versions another store on the same file wrote', async () => {
    const path = file()
    const a = await open(path)
    const b = await open(path)
    await a.append({ writes: [{ stream: 'order-1', expected: Expected.none, events: [{ type: 'Placed', data: {} }] }] })
    await b.append({ writes: [{ stream: 'order-1', expected: Expected.exact(1), events: [{ type: 'Shipped', data: {} }] }] })
    await a.append({ writes: [{ stream: 'order-1', expected: Expected.exact(2), events: [{ type: 'Delivered', data: {} }] }] })
    assertChain(await collect(a.readAll()), a.ledgerPublicKey)
  })

  it('plans stream versions from its stream-heads map: the backend is never asked for one, and a failed batch or another writer leaves none wrong', async () => {
    const path = file()
    const inner = createSqliteBackend(path)
    cleanups.push(() => inner.close())
    let asked = 0
    let failing = 0
    const backend = intercept(inner, {
      streamVersions: (streams) => ((asked += 1), inner.streamVersions(streams)),
      commit(batch) {
        if (failing > 0) {
          failing -= 1
          return Promise.reject(new Error('disk full'))
        }
        return inner.commit(batch)
      },
    })
    const a = await openLedgerStore({ backend, signer: ledgerSigner, anchorIntervalMs: 0, anchorEvery: 8 })
    cleanups.push(() => a.close())
    const place = (store: EventStore, stream: string, expected: number) =>
      store.append({ writes: [{ stream, expected: Expected.exact(expected), events: [{ type: 'Placed', data: { expected } }] }] })
    // New streams and known ones, many in flight at once, across checkpoints.
    await Promise.all(Array.from({ length: 40 }, (_, i) => place(a, `order-${i}`, 0)))
    await Promise.all(Array.from({ length: 40 }, (_, i) => place(a, `order-${i}`, 1)))
    expect(asked).toBe(0)
    // A batch that fails to commit recorded its streams in the plan: they must not count.
    failing = 1
    await expect(place(a, 'order-0', 2)).rejects.toThrow()
    await expect(place(a, 'order-0', 3)).rejects.toMatchObject({ code: 'wrong-expected-version' })
    await place(a, 'order-0', 2)
    await expect(place(a, 'fresh', 1)).rejects.toMatchObject({ code: 'wrong-expected-version' })
    // Another store on the same file moves a stream: the first sees it before it plans.
    const b = await open(path, { anchorEvery: 8 })
    await place(b, 'order-1', 2)
    await expect(place(a, 'order-1', 2)).rejects.toMatchObject({ code: 'wrong-expected-version' })
    await place(a, 'order-1', 3)
    expect(asked).toBe(0)
    assertChain(await collect(a.readAll()), a.ledgerPublicKey)
    expect(await a.streamVersion('order-1')).toBe(4)
  })

  it('takes in what another store on the file appended by reading only those events, and its checkpoints still verify', async () => {
    const path = file()
    await checkTakesInOtherWriters(() => createSqliteBackend(path), (store) => cleanups.push(() => store.close()))
  })

  it('a follower woken by its own store\'s commits reads them from the window without asking the file, and still sees another store\'s appends', async () => {
    const path = file()
    const inner = createSqliteBackend(path)
    cleanups.push(() => inner.close())
    let reads = 0
    const backend = intercept(inner, { readRange: (from, limit) => ((reads += 1), inner.readRange(from, limit)) })
    const a = await openLedgerStore({ backend, signer: ledgerSigner, anchorIntervalMs: 0, anchorEvery: 1000, pollIntervalMs: 50 })
    cleanups.push(() => a.close())
    const seen: number[] = []
    const subscription = a.subscribe()
    const following = (async () => {
      for await (const envelope of subscription) seen.push(envelope.sequence)
    })()
    const until = async (count: number) => {
      const deadline = Date.now() + 5000
      while (seen.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 1))
      expect(seen.length).toBe(count)
    }
    await a.append({ writes: [{ stream: 'order-0', expected: Expected.any, events: [{ type: 'Placed', data: { i: 0 } }] }] })
    await until(1)
    const before = reads
    for (let i = 1; i <= 30; i++) {
      await a.append({ writes: [{ stream: `order-${i % 3}`, expected: Expected.any, events: [{ type: 'Placed', data: { i } }] }] })
      await until(i + 1)
    }
    // Each of the 30 commits woke the follower; the polls between them may read the file, the wake-ups do not.
    expect(reads - before).toBeLessThan(10)
    // Another store on the same file appends: the follower finds it on its next look at the file.
    const b = await open(path)
    await b.append({ writes: [{ stream: 'order-b', expected: Expected.any, events: [{ type: 'Placed', data: {} }] }] })
    await until(32)
    await a.append({ writes: [{ stream: 'order-a', expected: Expected.any, events: [{ type: 'Placed', data: {} }] }] })
    await until(33)
    expect(seen).toEqual(Array.from({ length: 33 }, (_, i) => i + 1))
    subscription.close()
    await following
  })

  it('refuses to open a file with another ledger key', async () => {
    const path = file()
    await (await open(path)).close()
    const backend = createSqliteBackend(path)
    cleanups.push(() => backend.close())
    await expect(openLedgerStore({ backend, signer: otherLedgerSigner, crypto: nativeCrypto })).rejects.toThrow(/ledger key/)
  })

  it('a writer in another process cannot reuse a nonce: the file keeps (actor, nonce) unique', async () => {
    const path = file()
    const here = await open(path)
    await here.append({ writes: [{ stream: 'order-1', expected: Expected.any, events: [{ type: 'Placed', data: {} }] }], command: command({ n: 1 }, undefined, undefined, 'cross-process') })
    // Another process, with a sequencer of its own, tries the same actor's nonce for another command,
    // then a fresh nonce (which must work, so the refusal is about the nonce alone).
    const dist = new URL('../../../dist/', import.meta.url).href
    const script = `
      const { createSqliteBackend } = await import('${dist}infrastructure/store/sqlite-backend.js')
      const { openLedgerStore } = await import('${dist}infrastructure/store/ledger-store.js')
      const { signCommand } = await import('${dist}domain/ledger/command.js')
      const { nativeCrypto } = await import('${dist}infrastructure/crypto/native.js')
      const { toHex } = await import('${dist}domain/crypto/hex.js')
      const seed = (b) => new Uint8Array(32).fill(b)
      const ledger = nativeCrypto.ed25519.signer(seed(1)), actor = nativeCrypto.ed25519.signer(seed(3))
      const store = await openLedgerStore({ backend: createSqliteBackend(process.argv[1]), signer: ledger, anchorIntervalMs: 0 })
      const cmd = (nonce, n) => signCommand({ type: 'DoSomething', payload: { n }, actor: toHex(actor.publicKey), nonce, issuedAt: '2026-01-01T00:00:00.000Z', ledger: toHex(ledger.publicKey) }, actor, nativeCrypto)
      const write = { stream: 'order-2', expected: { kind: 'any' }, events: [{ type: 'Placed', data: {} }] }
      const replay = await store.append({ writes: [write], command: cmd('cross-process', 2) }).then(() => 'accepted', (e) => e.code)
      const fresh = await store.append({ writes: [write], command: cmd('fresh', 3) }).then(() => 'accepted', (e) => e.code)
      await store.close()
      console.log(JSON.stringify({ replay, fresh }))
    `
    const { execFileSync } = await import('node:child_process')
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, path], { encoding: 'utf8' })
    expect(JSON.parse(out.trim().split('\n').pop() ?? '{}')).toEqual({ replay: 'nonce-replayed', fresh: 'accepted' })
    // And back here, this process's sequencer (whose caches predate the other's commit) refuses a reuse of the other's nonce.
    await expect(here.append({ writes: [{ stream: 'order-3', expected: Expected.any, events: [{ type: 'Placed', data: {} }] }], command: command({ n: 4 }, undefined, undefined, 'fresh') })).rejects.toMatchObject({ code: 'nonce-replayed' })
    assertChain(await collect(here.readAll()), here.ledgerPublicKey)
  })
})
