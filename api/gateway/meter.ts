/**
 * Write-ahead metering. A receipt is committed to a local SQLite journal (WAL, synchronous=FULL)
 * before the gateway answers, so an acknowledged request is never lost: if the process dies, the
 * receipt is still pending when it comes back, and is sent then. The journal lives on its own
 * thread, so an fsync never stalls the requests in flight; receipts that arrive while one commit
 * runs go together in the next (group commit). A flusher sends pending receipts to the ledger in
 * batches (one RecordUsage per deployment, up to 1,000 receipts), so the gateway is never
 * throttled by one append per request. The ledger charges a request id once, so a batch sent
 * twice (a crash between the append and the marking) costs nothing twice.
 */
import type { Worker } from 'node:worker_threads'
import type { Submitted } from '../../trainer/ledger.js'
import type { EconomyCommand } from '../../domain/economy/index.js'
import { MAX_RECEIPTS } from '../../domain/deployment/values.js'
import { spawnSibling } from '../../infrastructure/worker.js'
import type { JournalCall, JournalReceipt, Settlement } from './journal.js'

/** A receipt as the gateway holds it: `fee` is what it expects (the ledger prices it again), held back from the escrow while pending. */
export type MeteredReceipt = Omit<JournalReceipt, 'fee'> & { readonly fee: bigint }

export interface MeterStats {
  readonly pending: number
  readonly recorded: number
  readonly refused: number
  readonly batches: number
  readonly lastError: string | null
}

export interface Meter {
  /** Resolves once the receipt is durable. */
  record(receipt: MeteredReceipt): Promise<void>
  /** Usage written but not yet in the ledger, and requests in flight: held against the escrow, the grant's spending cap and its quota. */
  pendingFees(consumer: string): bigint
  pendingGrantFees(grantId: string): bigint
  pendingTokens(grantId: string): number
  /** Holds tokens and a fee for a request in flight, until the returned release is called (after its receipt is recorded). */
  reserve(grantId: string, consumer: string, tokens: number, fee: bigint): () => void
  /** Sends what is pending now; resolves when every batch was answered. */
  flush(): Promise<void>
  stats(): Promise<MeterStats>
  /** Stops the timer, flushes what it can, closes the journal. */
  close(): Promise<void>
}

export interface MeterOptions {
  readonly path: string
  readonly submit: (request: Omit<EconomyCommand, 'actor'>) => Promise<Submitted>
  /** How often pending receipts are sent (ms); 0 = only when flush() is called. */
  readonly flushMs?: number
  readonly batchSize?: number
  readonly onError?: (message: string) => void
  /** After each timed flush: null when it sent everything it could, else the first failure. */
  readonly onFlushed?: (failure: string | null) => void
}

/** A refusal that will not change on retry: the receipts are set aside (state `refused`) with the reason. */
// Refusals a resend cannot change: the receipt (or the batch around it) is outside what the ledger will ever charge.
const PERMANENT = new Set([
  'bad-receipts',
  'unknown-deployment',
  'not-deployment-operator',
  'malformed',
  'malformed-command',
  'not-registered',
  'grant-not-accepted',
  'receipt-outside-validity',
  'price-mismatch',
  'quota-exceeded',
  'spend-cap-exceeded',
])

/** Calls into the journal thread, answered in order. */
function journalThread(path: string): { call<T>(c: JournalCall): Promise<T>; stop(): Promise<void> } {
  const worker: Worker = spawnSibling(import.meta.url, 'journal-worker', { path })
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  let next = 0
  // One answer names one call (`id`) or a group of appends committed together (`ids`).
  worker.on('message', (m: { id?: number; ids?: number[]; result?: unknown; error?: string }) => {
    for (const id of m.ids ?? (m.id === undefined ? [] : [m.id])) {
      const w = waiting.get(id)
      waiting.delete(id)
      if (m.error !== undefined) w?.reject(new Error(m.error))
      else w?.resolve(m.result)
    }
  })
  worker.on('error', (error) => {
    for (const w of waiting.values()) w.reject(error)
    waiting.clear()
  })
  return {
    call<T>(call: JournalCall): Promise<T> {
      const id = next++
      return new Promise<T>((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject })
        worker.postMessage({ id, call })
      })
    },
    async stop() {
      await worker.terminate()
    },
  }
}

const toJournal = (r: MeteredReceipt): JournalReceipt => ({ ...r, fee: r.fee.toString() })
const fromJournal = (r: JournalReceipt): MeteredReceipt => ({ ...r, fee: BigInt(r.fee) })
const keysOf = (receipts: readonly MeteredReceipt[]) => receipts.map((r) => ({ deploymentId: r.deploymentId, requestId: r.requestId }))

export async function openMeter(options: MeterOptions): Promise<Meter> {
  const journal = journalThread(options.path)
  const fees = new Map<string, bigint>()
  const grantFees = new Map<string, bigint>()
  const tokens = new Map<string, number>()
  // Pending sums by consumer and grant; a sum back at zero is dropped, so they hold only what is in flight.
  const addFee = (sums: Map<string, bigint>, key: string, delta: bigint): void => {
    const next = (sums.get(key) ?? 0n) + delta
    if (next === 0n) sums.delete(key)
    else sums.set(key, next)
  }
  const hold = (r: Pick<MeteredReceipt, 'consumer' | 'grantId' | 'fee' | 'inputTokens' | 'outputTokens'>, sign: 1 | -1): void => {
    addFee(fees, r.consumer, BigInt(sign) * r.fee)
    addFee(grantFees, r.grantId, BigInt(sign) * r.fee)
    const used = (tokens.get(r.grantId) ?? 0) + sign * (r.inputTokens + r.outputTokens)
    if (used === 0) tokens.delete(r.grantId)
    else tokens.set(r.grantId, used)
  }
  for (const r of await journal.call<JournalReceipt[]>({ op: 'pending' })) hold(fromJournal(r), 1)

  // Group commit, in two places: the receipts recorded in one turn of the event loop go to the
  // journal thread in one message, without waiting for the append before them; the thread commits
  // every message that arrived while its last commit ran in one transaction (journal-worker.ts),
  // so it goes from one fsync to the next without waiting for this thread to answer in between.
  let queue: { receipt: MeteredReceipt; resolve: () => void; reject: (e: unknown) => void }[] = []
  let scheduled = false
  let inFlight = 0
  async function appendQueued(): Promise<void> {
    scheduled = false
    const batch = queue
    queue = []
    if (batch.length === 0) return
    inFlight++
    try {
      await journal.call({ op: 'append', receipts: batch.map((q) => toJournal(q.receipt)) })
      for (const q of batch) {
        hold(q.receipt, 1)
        q.resolve()
      }
    } catch (error) {
      for (const q of batch) q.reject(error)
    } finally {
      inFlight--
    }
  }

  const batchSize = Math.min(MAX_RECEIPTS, options.batchSize ?? MAX_RECEIPTS)
  let batches = 0
  let lastError: string | null = null
  /** The first failure of the flush under way: what was kept for retry. */
  let retrying: string | null = null
  let flushing: Promise<void> | undefined
  let closed = false

  async function settle(receipts: readonly MeteredReceipt[], state: Settlement['state'], commandHash: string | null, error: string | null): Promise<void> {
    await journal.call({ op: 'settle', settlement: { keys: keysOf(receipts), state, commandHash, error } })
    for (const r of receipts) hold(r, -1)
  }

  async function send(receipts: readonly MeteredReceipt[]): Promise<void> {
    const deploymentId = (receipts[0] as MeteredReceipt).deploymentId
    const result = await options.submit({
      type: 'RecordUsage',
      payload: {
        deploymentId,
        receipts: receipts.map((r) => ({
          requestId: r.requestId,
          grantId: r.grantId,
          inputTokens: r.inputTokens,
          outputTokens: r.outputTokens,
          at: r.at,
          fee: r.fee,
          ...(r.attribution === undefined ? {} : { attribution: r.attribution.map((w) => ({ contribution: w.contribution, weight: w.weight })) }),
          ...(r.answerHash === undefined ? {} : { answerHash: r.answerHash }),
        })),
      },
    })
    batches++
    if (result.ok) return settle(receipts, 'recorded', result.commandHash, null)
    if (result.code === 'usage-already-recorded') return settle(receipts, 'recorded', null, null)
    lastError = `${result.code}: ${result.message}`
    if (!PERMANENT.has(result.code)) {
      retrying ??= lastError
      options.onError?.(`usage batch of ${receipts.length} kept for retry: ${lastError}`)
      return
    }
    // One bad receipt must not sink the others: send them one by one and set aside only what fails.
    if (receipts.length > 1) {
      for (const r of receipts) await send([r])
      return
    }
    options.onError?.(`usage receipt ${(receipts[0] as MeteredReceipt).requestId} refused: ${lastError}`)
    await settle(receipts, 'refused', null, lastError)
  }

  async function flushOnce(): Promise<void> {
    retrying = null
    const byDeployment = new Map<string, MeteredReceipt[]>()
    for (const row of await journal.call<JournalReceipt[]>({ op: 'pending' })) {
      const r = fromJournal(row)
      const list = byDeployment.get(r.deploymentId) ?? []
      list.push(r)
      byDeployment.set(r.deploymentId, list)
    }
    for (const list of byDeployment.values()) {
      for (let i = 0; i < list.length; i += batchSize) {
        try {
          await send(list.slice(i, i + batchSize))
        } catch (error) {
          lastError = (error as Error).message
          retrying ??= lastError
          options.onError?.(`usage batch failed, kept for retry: ${lastError}`)
          return
        }
      }
    }
  }

  function flush(): Promise<void> {
    flushing ??= flushOnce().finally(() => (flushing = undefined))
    return flushing
  }

  /** A timed flush: never an unhandled rejection (the journal failing), always an outcome reported. */
  async function timedFlush(): Promise<void> {
    try {
      await flush()
      options.onFlushed?.(retrying)
    } catch (error) {
      lastError = (error as Error).message
      options.onError?.(`usage flush failed: ${lastError}`)
      options.onFlushed?.(lastError)
    }
  }

  const timer = (options.flushMs ?? 200) > 0 ? setInterval(() => void timedFlush(), options.flushMs ?? 200) : undefined
  timer?.unref()

  return {
    record(receipt) {
      if (closed) return Promise.reject(new Error('the meter is closed'))
      return new Promise((resolve, reject) => {
        queue.push({ receipt, resolve, reject })
        if (!scheduled) {
          scheduled = true
          setImmediate(() => void appendQueued())
        }
      })
    },
    pendingFees: (consumer) => fees.get(consumer) ?? 0n,
    pendingGrantFees: (grantId) => grantFees.get(grantId) ?? 0n,
    pendingTokens: (grantId) => tokens.get(grantId) ?? 0,
    reserve(grantId, consumer, reserved, fee) {
      const held = { grantId, consumer, fee, inputTokens: reserved, outputTokens: 0 }
      hold(held, 1)
      let released = false
      return () => {
        if (!released) hold(held, -1)
        released = true
      }
    },
    flush,
    async stats() {
      const by = await journal.call<Record<string, number>>({ op: 'counts' })
      return { pending: by.pending ?? 0, recorded: by.recorded ?? 0, refused: by.refused ?? 0, batches, lastError }
    },
    async close() {
      if (closed) return
      closed = true
      if (timer !== undefined) clearInterval(timer)
      while (scheduled || inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 1))
      await flushing
      await flush().catch(() => undefined)
      await journal.call({ op: 'close' })
      await journal.stop()
    },
  }
}
