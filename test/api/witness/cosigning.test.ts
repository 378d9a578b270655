/**
 * `serve --witness` in process, over real parts: a SQLite ledger in a data directory, the HTTP
 * server, two witness servers (each its own key and SQLite state), the cosigner submitting each
 * new checkpoint over HTTP. The note /tlog/checkpoint serves passes `verify --checkpoint …
 * --witness … --min-witnesses 2`; a witness that is down holds up neither appends nor the other
 * witness, and catches up from its own size when back; a restart resumes from the cosigning
 * state; a witness the log has forgotten answers 409 and is caught up from its size; a forged
 * cosignature is never published.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyCommand } from '../../../api/cli/commands/verify.js'
import { EXIT } from '../../../api/cli/io.js'
import { startServer, type RunningServer } from '../../../api/http/server.js'
import { proofSource } from '../../../api/http/log-reads.js'
import { startWitnessServer, type RunningWitness } from '../../../api/witness/server.js'
import type { EventStore } from '../../../domain/ports/event-store.js'
import { decodeBase64, encodeBase64 } from '../../../domain/tlog/base64.js'
import { defaultOrigin, logVkey, parseCheckpoint } from '../../../domain/tlog/checkpoint.js'
import { parseNote } from '../../../domain/tlog/note.js'
import { openWitnessedCheckpoint } from '../../../domain/tlog/witnessed.js'
import { manualClock, type ManualClock } from '../../../infrastructure/clock.js'
import { Proofs } from '../../../infrastructure/proofs/build-proof.js'
import { logsFromArgs } from '../../../infrastructure/witness/config.js'
import { cosignerMetrics } from '../../../infrastructure/witness/cosigner-metrics.js'
import { Cosigner, proofsSource, witnessTarget, type WitnessTarget } from '../../../infrastructure/witness/cosigner.js'
import { openCosigningState, type CosigningState } from '../../../infrastructure/witness/cosigning-state.js'
import { openWitnessState, type WitnessState } from '../../../infrastructure/witness/state.js'
import { createWitness, type AddCheckpointOutcome, type Witness } from '../../../infrastructure/witness/witness.js'
import { crypto } from '../../infrastructure/witness/support.js'
import { runCli } from '../../support/cli.js'
import { appendThings, openManualLedger } from '../../support/data-dir.js'
import { scratchDirs } from '../../support/scratch.js'

const passphrase = 'cosign me'

interface RunningTestWitness {
  readonly name: string
  readonly witness: Witness
  readonly state: WitnessState
  server: RunningWitness | undefined
  port: number
  /** Every add-checkpoint answer, in order. */
  readonly outcomes: AddCheckpointOutcome[]
}

const temp = scratchDirs('ml-cosign-')
let dir: string
let genesis: string
let store: EventStore
let http: RunningServer
let proofs: Proofs
let clock: ManualClock
let logVkeyText: string
const witnesses: RunningTestWitness[] = []
let forger: Server | undefined

async function startTestWitness(seed: number, name: string, origin: string): Promise<RunningTestWitness> {
  const state = openWitnessState(join(temp(), 'witness.db'))
  const witness = createWitness({ name, signer: crypto.ed25519.signer(new Uint8Array(32).fill(seed)), logs: logsFromArgs([`${origin}=${logVkeyText}`], crypto), state, crypto, clock: manualClock(Date.UTC(2026, 1, 1)) })
  const running: RunningTestWitness = { name, witness, state, server: undefined, port: 0, outcomes: [] }
  await up(running)
  return running
}

/** Starts (or restarts, on the same port) a witness's HTTP server. */
async function up(w: RunningTestWitness): Promise<void> {
  w.server = await startWitnessServer({ witness: w.witness, port: w.port, onSubmission: (outcome) => w.outcomes.push(outcome) })
  w.port = Number(new URL(w.server.url).port)
}

async function down(w: RunningTestWitness): Promise<void> {
  await w.server?.close()
  w.server = undefined
}

function targetOf(w: RunningTestWitness, url = `http://127.0.0.1:${w.port}`): WitnessTarget {
  return witnessTarget(`${url}=${w.witness.vkey}`, crypto)
}

function cosignerOver(state: CosigningState, targets: readonly WitnessTarget[], minimum: number): Cosigner {
  return new Cosigner({
    witnesses: targets,
    minimum,
    source: proofsSource(proofs),
    state,
    crypto,
    clock,
    timeoutMs: 2000,
    minBackoffMs: 1000,
    maxBackoffMs: 8000,
  })
}

async function grow(events: number): Promise<number> {
  await appendThings(store, events)
  const anchor = await store.sealAnchor()
  if (anchor === undefined) throw new Error('no checkpoint sealed')
  return anchor.sequence - 1
}

async function served(): Promise<{ status: number; note: string }> {
  const response = await fetch(`${http.url}/tlog/checkpoint`)
  return { status: response.status, note: await response.text() }
}

function sizeOf(note: string): number {
  const parsed = parseNote(note)
  if (!parsed.ok) throw new Error(parsed.reason)
  const checkpoint = parseCheckpoint(parsed.value.text)
  if (!checkpoint.ok) throw new Error(checkpoint.reason)
  return checkpoint.value.size
}

/** A cosignature line with the last byte of its signature altered (key name and key ID kept). */
function forge(lines: string): string {
  return lines.replace(/^(\u2014 \S+ )(\S+)$/gm, (_all, head: string, encoded: string) => {
    const bytes = decodeBase64(encoded) as Uint8Array
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1
    return `${head}${encodeBase64(bytes)}`
  })
}

/** A stand-in in front of a real witness that passes everything on, but alters the cosignature's last byte. */
async function forgingProxy(target: string): Promise<string> {
  forger = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      void (async () => {
        const answer = await fetch(`${target}${req.url ?? '/'}`, { method: req.method ?? 'GET', body: req.method === 'POST' ? Buffer.concat(chunks) : undefined, headers: { 'content-type': 'text/plain; charset=utf-8' } })
        let body = await answer.text()
        if (answer.status === 200) body = forge(body)
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' })
        res.end(body)
      })()
    })
  })
  await new Promise<void>((resolve) => forger?.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(forger.address() as AddressInfo).port}`
}

async function verifyWith(notePath: string, vkeys: readonly string[], minimum: number): Promise<{ code: number; out: string }> {
  return runCli(verifyCommand, ['--data', dir, '--key', genesis, '--checkpoint', notePath, ...vkeys.flatMap((v) => ['--witness', v]), '--min-witnesses', String(minimum), '--workers', '0'])
}

beforeAll(async () => {
  dir = join(temp(), 'data')
  ;({ genesis, store } = await openManualLedger(dir, passphrase))
  clock = manualClock(Date.UTC(2026, 1, 1))
  proofs = new Proofs(proofSource(store))
  const origin = defaultOrigin(genesis)
  logVkeyText = logVkey(origin, genesis, crypto)
  witnesses.push(await startTestWitness(0x61, 'witness.example/a', origin), await startTestWitness(0x62, 'witness.example/b', origin))
})

afterAll(async () => {
  await http?.close()
  await store?.close()
  for (const w of witnesses) {
    await down(w)
    w.state.close()
  }
  await new Promise((resolve) => (forger === undefined ? resolve(undefined) : forger.close(resolve)))
})

describe('serve --witness: the log submits its checkpoints to witnesses and publishes their cosignatures', () => {
  let statePath: string
  let state: CosigningState
  let cosigner: Cosigner

  it('publishes nothing until two witnesses cosign; then a note that verify --min-witnesses 2 accepts', async () => {
    statePath = join(temp(), 'cosigning.db')
    state = openCosigningState(statePath)
    cosigner = cosignerOver(state, witnesses.map((w) => targetOf(w)), 2)
    http = await startServer({ store, proofs, witnessing: cosigner, metrics: cosignerMetrics(cosigner), logger: pino({ level: 'silent' }) })
    expect((await served()).status).toBe(404)

    const size = await grow(40)
    await cosigner.poll()
    const { status, note } = await served()
    expect(status).toBe(200)
    expect(sizeOf(note)).toBe(size)
    expect(parseNote(note)).toMatchObject({ ok: true, value: { signatures: [{ name: defaultOrigin(genesis) }, { name: 'witness.example/a' }, { name: 'witness.example/b' }] } })
    expect(witnesses.map((w) => w.outcomes.map((o) => o.ok))).toEqual([[true], [true]])

    const path = join(dir, '..', 'cosigned.note')
    await writeFile(path, note)
    const passed = await verifyWith(path, witnesses.map((w) => w.witness.vkey), 2)
    expect(passed.out).toContain('OK:')
    expect(passed.code).toBe(EXIT.ok)
    expect(openWitnessedCheckpoint(note, genesis, witnesses.map((w) => w.witness.vkey), 2, crypto)).toMatchObject({ ok: true, size, witnesses: ['witness.example/a', 'witness.example/b'] })
  })

  it('submits the next checkpoint with the consistency proof from each witness\'s size', async () => {
    const size = await grow(300)
    await cosigner.poll()
    expect(sizeOf((await served()).note)).toBe(size)
    for (const w of witnesses) expect(w.outcomes.map((o) => o.ok)).toEqual([true, true])
    expect(cosigner.status().map((s) => [s.cosignedSize, s.failing])).toEqual([[size, false], [size, false]])
    // Nothing new: nothing is sent again.
    await cosigner.poll()
    for (const w of witnesses) expect(w.outcomes).toHaveLength(2)
  })

  it('goes on when a witness is down: appends proceed, the other witness cosigns, the down one is retried with backoff and caught up', async () => {
    const before = sizeOf((await served()).note)
    const b = witnesses[1] as RunningTestWitness
    await down(b)
    const size = await grow(5)
    await cosigner.poll()
    // The log took the events and sealed; witness a cosigned; with two needed the published note stays.
    expect((await store.head()).sequence).toBe(size + 1)
    expect(sizeOf((await served()).note)).toBe(before)
    const [statusA, statusB] = cosigner.status()
    expect(statusA).toMatchObject({ cosignedSize: size, failing: false })
    expect(statusB).toMatchObject({ cosignedSize: before, failing: true, consecutiveFailures: 1 })
    expect(statusB?.lastError).toMatch(/^unreachable/)
    const ready = (await (await fetch(`${http.url}/readyz`)).json()) as { status: string; witnesses: { name: string; failing: boolean }[] }
    expect(ready.witnesses.map((w) => w.failing)).toEqual([false, true])
    const metrics = await (await fetch(`${http.url}/metrics`)).text()
    expect(metrics).toContain('model_ledger_witness_failing{witness="witness.example/b"} 1')
    expect(metrics).toContain(`model_ledger_witness_cosigned_size{witness="witness.example/a"} ${size}`)
    expect(metrics).toContain(`model_ledger_checkpoint_published_size ${before}`)

    // Backing off: a poll before the retry time sends nothing.
    await b.server?.close()
    await up(b)
    await cosigner.poll()
    expect(b.outcomes).toHaveLength(2)
    expect(cosigner.status()[1]?.consecutiveFailures).toBe(1)
    // After it, b is sent the checkpoint with a proof from the size it last cosigned, and the note moves on.
    clock.advance(1001)
    const later = await grow(7)
    await cosigner.poll()
    expect(b.outcomes.map((o) => o.ok)).toEqual([true, true, true])
    expect(cosigner.status()[1]).toMatchObject({ cosignedSize: later, failing: false })
    expect(sizeOf((await served()).note)).toBe(later)
  })

  it('resumes after a restart from the sizes it kept: no 409, the published note served at once', async () => {
    const published = (await served()).note
    await cosigner.close()
    state.close()
    state = openCosigningState(statePath)
    cosigner = cosignerOver(state, witnesses.map((w) => targetOf(w)), 2)
    expect(cosigner.published()).toBe(published)
    const size = await grow(3)
    await cosigner.poll()
    for (const w of witnesses) expect(w.outcomes.at(-1)).toMatchObject({ ok: true, size })
    expect(witnesses.flatMap((w) => w.outcomes).filter((o) => !o.ok)).toEqual([])
    await cosigner.close()
    state.close()
  })

  it('a witness the log has forgotten answers 409 with its size; the log submits again from there', async () => {
    const fresh = openCosigningState(join(temp(), 'cosigning.db'))
    const forgetful = cosignerOver(fresh, witnesses.map((w) => targetOf(w)), 2)
    const size = await grow(2)
    await forgetful.poll()
    for (const w of witnesses) expect(w.outcomes.slice(-2).map((o) => (o.ok ? 200 : o.status))).toEqual([409, 200])
    expect(forgetful.status().map((s) => s.cosignedSize)).toEqual([size, size])
    expect(sizeOf(forgetful.published() ?? '')).toBe(size)
    await forgetful.close()
    fresh.close()
  })

  it('never publishes a forged cosignature: the witness behind the forger counts as failing', async () => {
    const a = witnesses[0] as RunningTestWitness
    const proxy = await forgingProxy(`http://127.0.0.1:${a.port}`)
    const forgedState = openCosigningState(join(temp(), 'cosigning.db'))
    const forged = cosignerOver(forgedState, [targetOf(a, proxy)], 1)
    const size = await grow(4)
    await forged.poll()
    // The witness did cosign (its outcome is ok), but what reached the log did not verify.
    expect(a.outcomes.at(-1)).toMatchObject({ ok: true, size })
    expect(forged.published()).toBeUndefined()
    expect(forgedState.cosignatures(size).size).toBe(0)
    expect(forged.status()[0]).toMatchObject({ failing: true })
    expect(forged.status()[0]?.lastError).toMatch(/^bad-response/)
    // A forged line slipped into the state by other means is not published either.
    const honest = openCosigningState(join(temp(), 'cosigning.db'))
    const direct = cosignerOver(honest, [targetOf(a)], 1)
    await direct.poll()
    const line = honest.cosignatures(size).get(a.witness.vkey) as string
    expect(line).toBeDefined()
    forgedState.putCosignature(size, a.witness.vkey, forge(line))
    expect(forge(line)).not.toBe(line)
    await forged.close()
    const reopened = cosignerOver(forgedState, [targetOf(a, proxy)], 1)
    clock.advance(10_000)
    await reopened.poll()
    expect(reopened.published()).toBeUndefined()
    await reopened.close()
    await direct.close()
    forgedState.close()
    honest.close()
  })
})

describe('witnessTarget', () => {
  it('refuses what is not URL=VKEY with a cosignature/v1 key', () => {
    const vkey = (witnesses[0] as RunningTestWitness).witness.vkey
    expect(() => witnessTarget('http://w.example', crypto)).toThrow(/URL=VKEY/)
    expect(() => witnessTarget(`ftp://w.example=${vkey}`, crypto)).toThrow(/URL=VKEY/)
    expect(() => witnessTarget(`http://w.example=${logVkeyText}`, crypto)).toThrow(/cosignature\/v1/)
  })

  it('splits at the = before the vkey, whatever the URL holds', () => {
    const w = witnesses[0] as RunningTestWitness
    const target = witnessTarget(`http://w.example/x?a=b/=${w.witness.vkey}`, crypto)
    expect([target.url, target.vkey]).toEqual(['http://w.example/x?a=b', w.witness.vkey])
  })
})
