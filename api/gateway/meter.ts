/**
 * Write-ahead metering. A receipt is committed to a local SQLite journal (WAL, synchronous=FULL)
 * before the gateway answers, so an acknowledged request is never lost: if the process dies, the
 * receipt is still pending when it comes back, and is sent then. Receipts from requests finishing
 * in the same turn of the event loop share one commit (group commit). A flusher sends pending
 * receipts to the ledger in batches (one RecordUsage per deployment, up to 1,000 receipts), so the
 * gateway is never throttled by one append per request. The ledger charges a request id once, so
 * a batch sent twice (a crash between append and marking) costs nothing twice.
 */
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Submitted } from '../../trainer/ledger.js'
import type { EconomyCommand } from '../../domain/economy/index.js'
import { MAX_RECEIPTS } from '../../domain/deployment/values.js'

export interface MeteredReceipt {
  readonly requestId: string
  readonly deploymentId: string
  readonly grantId: string
  readonly consumer: string
  readonly inputTokens: number
  readonly outputTokens: number
  readonly at: string
  /** The fee the gateway expects (the ledger prices it again): what pending usage holds back from the escrow. */
  readonly fee: bigint
}

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
  /** Usage written but not yet in the ledger: held against the escrow and the quota. */
  pendingFees(consumer: string): bigint
  pendingTokens(grantId: string): number
  /** Sends what is pending now; resolves when every batch was answered. */
  flush(): Promise<void>
  stats(): MeterStats
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
}

interface Row {
  readonly request_id: string
  readonly deployment_id: string
  readonly grant_id: string
  readonly consumer: string
  readonly input_tokens: number
  readonly output_tokens: number
  readonly at: string
  readonly fee: string
}

/** A refusal that will not change on retry: the receipts are set aside (state `refused`) with the reason. */
const PERMANENT = new Set(['bad-receipts', 'unknown-deployment', 'not-deployment-operator', 'malformed', 'malformed-command', 'not-registered'])

export function openMeter(options: MeterOptions): Meter {
  mkdirSync(dirname(options.path), { recursive: true })
  const db = new Database(options.path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.exec(`CREATE TABLE IF NOT EXISTS receipts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id TEXT NOT NULL,
    deployment_id TEXT NOT NULL,
    grant_id TEXT NOT NULL,
    consumer TEXT NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    at TEXT NOT NULL,
    fee TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    command_hash TEXT,
    error TEXT,
    UNIQUE (deployment_id, request_id)
  );
  CREATE INDEX IF NOT EXISTS receipts_pending ON receipts (state, deployment_id, seq);`)
  const insert = db.prepare('INSERT OR IGNORE INTO receipts (request_id, deployment_id, grant_id, consumer, input_tokens, output_tokens, at, fee) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
  const pendingRows = db.prepare("SELECT request_id, deployment_id, grant_id, consumer, input_tokens, output_tokens, at, fee FROM receipts WHERE state = 'pending' ORDER BY seq")
  const mark = db.prepare('UPDATE receipts SET state = ?, command_hash = ?, error = ? WHERE deployment_id = ? AND request_id = ?')
  const counts = db.prepare('SELECT state, count(*) AS n FROM receipts GROUP BY state')

  const fees = new Map<string, bigint>()
  const tokens = new Map<string, number>()
  const hold = (r: { consumer: string; grantId: string; fee: bigint; inputTokens: number; outputTokens: number }, sign: 1 | -1): void => {
    fees.set(r.consumer, (fees.get(r.consumer) ?? 0n) + BigInt(sign) * r.fee)
    tokens.set(r.grantId, (tokens.get(r.grantId) ?? 0) + sign * (r.inputTokens + r.outputTokens))
  }
  const toReceipt = (row: Row): MeteredReceipt => ({
    requestId: row.request_id,
    deploymentId: row.deployment_id,
    grantId: row.grant_id,
    consumer: row.consumer,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    at: row.at,
    fee: BigInt(row.fee),
  })
  for (const row of pendingRows.all() as Row[]) hold(toReceipt(row), 1)

  // Group commit: receipts queued in one turn of the event loop are written in one transaction.
  let queue: { receipt: MeteredReceipt; resolve: () => void; reject: (e: unknown) => void }[] = []
  const commit = db.transaction((items: readonly MeteredReceipt[]) => {
    for (const r of items) insert.run(r.requestId, r.deploymentId, r.grantId, r.consumer, r.inputTokens, r.outputTokens, r.at, r.fee.toString())
  })
  function drain(): void {
    const batch = queue
    queue = []
    try {
      commit(batch.map((q) => q.receipt))
      for (const q of batch) {
        hold(q.receipt, 1)
        q.resolve()
      }
    } catch (error) {
      for (const q of batch) q.reject(error)
    }
  }

  const batchSize = Math.min(MAX_RECEIPTS, options.batchSize ?? MAX_RECEIPTS)
  let batches = 0
  let lastError: string | null = null
  let flushing: Promise<void> | undefined
  let closed = false

  function settle(receipts: readonly MeteredReceipt[], state: 'recorded' | 'refused', hash: string | null, error: string | null): void {
    db.transaction(() => {
      for (const r of receipts) mark.run(state, hash, error, r.deploymentId, r.requestId)
    })()
    for (const r of receipts) hold(r, -1)
  }

  async function send(receipts: readonly MeteredReceipt[]): Promise<void> {
    const deploymentId = (receipts[0] as MeteredReceipt).deploymentId
    const result = await options.submit({
      type: 'RecordUsage',
      payload: { deploymentId, receipts: receipts.map((r) => ({ requestId: r.requestId, grantId: r.grantId, inputTokens: r.inputTokens, outputTokens: r.outputTokens, at: r.at })) },
    })
    batches++
    if (result.ok) return settle(receipts, 'recorded', result.commandHash, null)
    if (result.code === 'usage-already-recorded') return settle(receipts, 'recorded', null, null)
    lastError = `${result.code}: ${result.message}`
    if (!PERMANENT.has(result.code)) {
      options.onError?.(`usage batch of ${receipts.length} kept for retry: ${lastError}`)
      return
    }
    // One bad receipt must not sink the others: send them one by one and set aside only what fails.
    if (receipts.length > 1) {
      for (const r of receipts) await send([r])
      return
    }
    options.onError?.(`usage receipt ${(receipts[0] as MeteredReceipt).requestId} refused: ${lastError}`)
    settle(receipts, 'refused', null, lastError)
  }

  async function flushOnce(): Promise<void> {
    const byDeployment = new Map<string, MeteredReceipt[]>()
    for (const row of pendingRows.all() as Row[]) {
      const r = toReceipt(row)
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

  const timer = (options.flushMs ?? 200) > 0 ? setInterval(() => void flush(), options.flushMs ?? 200) : undefined
  timer?.unref()

  return {
    record(receipt) {
      if (closed) return Promise.reject(new Error('the meter is closed'))
      return new Promise((resolve, reject) => {
        if (queue.length === 0) setImmediate(drain)
        queue.push({ receipt, resolve, reject })
      })
    },
    pendingFees: (consumer) => fees.get(consumer) ?? 0n,
    pendingTokens: (grantId) => tokens.get(grantId) ?? 0,
    flush,
    stats() {
      const by = new Map((counts.all() as { state: string; n: number }[]).map((r) => [r.state, r.n]))
      return { pending: by.get('pending') ?? 0, recorded: by.get('recorded') ?? 0, refused: by.get('refused') ?? 0, batches, lastError }
    },
    async close() {
      if (closed) return
      if (timer !== undefined) clearInterval(timer)
      if (queue.length > 0) drain()
      closed = true
      await flushing
      await flush().catch(() => undefined)
      db.close()
    },
  }
}
