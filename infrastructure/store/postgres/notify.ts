/**
 * LISTEN/NOTIFY: each commit notifies the ledger's channel inside its transaction (so the wake-up
 * is delivered only if, and after, it commits), and one listening connection per process wakes
 * the local subscribers, which then read from their position. The sequencer still polls, so a
 * lost connection only slows subscribers down until it is back.
 */
import pg from 'pg'

export function channelName(schema: string): string {
  return `model_ledger_${schema}`
}

export interface Listener {
  watch(onCommit: () => void): () => void
  close(): Promise<void>
}

const RECONNECT_MS = 1000

export function createListener(connectionString: string, schema: string): Listener {
  const watchers = new Set<() => void>()
  let client: pg.Client | undefined
  let closed = false
  let retry: NodeJS.Timeout | undefined

  async function connect(): Promise<void> {
    const next = new pg.Client({ connectionString })
    const lost = () => {
      if (client !== next) return
      client = undefined
      next.end().catch(() => undefined)
      if (!closed && watchers.size > 0) retry = setTimeout(() => void connect(), RECONNECT_MS)
    }
    client = next
    next.on('error', lost)
    next.on('end', lost)
    next.on('notification', () => watchers.forEach((wake) => wake()))
    try {
      await next.connect()
      await next.query(`LISTEN "${channelName(schema)}"`)
    } catch {
      lost()
      return
    }
    // Commits that landed while we were not listening: wake everyone once to re-read.
    watchers.forEach((wake) => wake())
  }

  return {
    watch(onCommit) {
      watchers.add(onCommit)
      if (client === undefined && !closed) void connect()
      return () => watchers.delete(onCommit)
    },
    async close() {
      closed = true
      clearTimeout(retry)
      const current = client
      client = undefined
      await current?.end().catch(() => undefined)
    },
  }
}
