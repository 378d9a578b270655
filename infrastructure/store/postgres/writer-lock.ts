/**
 * The one-sequencer rule across processes: a session-level advisory lock per ledger schema, taken
 * for each batch (plan + commit) and released after it. Whoever holds it is the sequencer for that
 * batch; the others wait in pg_advisory_lock, then reload the head and plan on top of it.
 *
 * Why per batch rather than held for life: every instance can then accept and sequence its own
 * commands with no forwarding protocol, and failover needs no election. PostgreSQL releases a
 * session lock when the session ends, and ends it when the holder's process dies (its socket
 * closes), after aborting any transaction it had open, so a dead holder's half batch never
 * commits and the next waiter gets the lock at once.
 */
import type { Pool, PoolClient } from 'pg'
import { LOCK_CLASS } from './schema.js'

/**
 * A frozen holder (SIGSTOP, a hung VM) keeps its socket open; PostgreSQL ends a session idle this
 * long, which releases the lock. A batch is planned in milliseconds, so this never cuts a live one.
 */
const IDLE_HOLDER_TIMEOUT = '30s'

export interface WriterLock {
  /** Runs `work` holding the lock; `client` is the holder's session, on which commits must run. */
  exclusive<T>(work: (client: PoolClient) => Promise<T>): Promise<T>
}

export function createWriterLock(pool: Pool, schema: string): WriterLock {
  return {
    async exclusive(work) {
      const client = await pool.connect()
      let broken = false
      try {
        await client.query(`SET idle_session_timeout = '${IDLE_HOLDER_TIMEOUT}'`)
        await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCK_CLASS, schema])
        try {
          return await work(client)
        } finally {
          await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_CLASS, schema]).catch(() => (broken = true))
          await client.query('RESET idle_session_timeout').catch(() => (broken = true))
        }
      } catch (error) {
        broken = true
        throw error
      } finally {
        // A session whose state is unknown is destroyed, not pooled: closing it frees any lock.
        client.release(broken)
      }
    },
  }
}
