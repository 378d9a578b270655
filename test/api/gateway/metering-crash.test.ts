/**
 * A gateway killed (SIGKILL) while it is answering and metering loses no acknowledged usage: every
 * request the client got an answer for is charged exactly once after a restart, and the log still
 * verifies. Runs the built CLI (`model-ledger serve`), as an operator would.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import OpenAI from 'openai'
import { receiptsPath } from '../../../api/gateway/index.js'
import { afterAll, describe, expect, it } from 'vitest'
import { openLedger } from '../../../infrastructure/data-dir.js'
import { API_KEY, deployedDataDir, type DeployedDir } from './fixture.js'

const BIN = join(process.cwd(), 'dist/api/cli/main.js')
const children: ChildProcess[] = []
let d: DeployedDir | undefined

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  if (d !== undefined) rmSync(d.dir, { recursive: true, force: true })
})

interface Served {
  readonly child: ChildProcess
  readonly url: string
  readonly exited: Promise<void>
}

async function serve(dir: string, flushMs: number): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', '--data', dir, '--port', '0', '--no-trainer', '--meter-flush-ms', String(flushMs), '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  let out = ''
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()))
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const match = /OpenAI-compatible gateway (http:\/\/\S+)/.exec(out)
      if (match?.[1] !== undefined) resolve(match[1])
    })
    void exited.then(() => reject(new Error(`serve exited: ${out}`)))
  })
  return { child, url, exited }
}

const NOTES = ['chest pain troponin', 'cough wheeze inhaler', 'knee fracture cast', 'angina stent statin', 'hip splint physio']

describe('metering through a crash', () => {
  it('charges every acknowledged request exactly once after SIGKILL and restart', async () => {
    d = await deployedDataDir()
    const first = await serve(d.dir, 150)
    const client = new OpenAI({ apiKey: API_KEY, baseURL: first.url, maxRetries: 0 })
    const acknowledged: string[] = []
    let stop = false
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        try {
          const answer = await client.chat.completions.create({ model: (d as DeployedDir).deploymentId, messages: [{ role: 'user', content: NOTES[(w + i) % NOTES.length] as string }] })
          acknowledged.push(answer.id)
        } catch {
          return // the process is gone
        }
      }
    }
    let stopped = 0
    const workers = Array.from({ length: 6 }, (_, w) => worker(w).finally(() => stopped++))
    // Kill by progress, not by time: after enough answers that some batches landed and some did not.
    while (acknowledged.length < 150 && stopped < workers.length) await new Promise((resolve) => setTimeout(resolve, 5))
    if (stopped === workers.length) throw new Error(`the gateway stopped answering after ${acknowledged.length} requests`)
    first.child.kill('SIGKILL')
    stop = true
    await first.exited
    await Promise.all(workers)
    expect(acknowledged.length).toBeGreaterThanOrEqual(150)
    // The kill landed mid-metering: some acknowledged receipts were only in the journal, not yet in the ledger.
    const journal = new Database(receiptsPath(d.dir), { readonly: true })
    const pending = (journal.prepare("SELECT count(*) AS n FROM receipts WHERE state = 'pending'").get() as { n: number }).n
    journal.close()
    expect(pending).toBeGreaterThan(0)

    const second = await serve(d.dir, 50)
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    second.child.kill('SIGTERM')
    await second.exited

    const { store } = await openLedger(d.dir)
    const counts = new Map<string, number>()
    let batches = 0
    for await (const e of store.readAll(1)) {
      if (e.type !== 'UsageRecorded') continue
      batches++
      for (const r of (e.data as { receipts: { requestId: string }[] }).receipts) counts.set(r.requestId, (counts.get(r.requestId) ?? 0) + 1)
    }
    await store.close()
    for (const id of acknowledged) expect(counts.get(id), id).toBe(1)
    for (const n of counts.values()) expect(n).toBe(1)
    // Batched: far fewer appends than requests.
    expect(batches).toBeLessThan(acknowledged.length / 3)
  }, 180_000)
})
