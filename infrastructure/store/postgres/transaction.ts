/** PostgreSQL transactions, written once: COMMIT when the work resolves, ROLLBACK when it throws. */
import type { Pool, PoolClient } from 'pg'

/** Runs `work` in one transaction on a connection the caller holds. */
export async function inTransaction<T>(client: PoolClient, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN')
  try {
    const result = await work()
    await client.query('COMMIT')
    return result
  } catch (error) {
    // A failed rollback (the connection is gone) must not hide the error that caused it.
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  }
}

/** Runs `work` in one transaction on a pooled connection, released afterwards. */
export async function withTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  try {
    return await inTransaction(client, () => work(client))
  } finally {
    client.release()
  }
}
