/**
 * A throwaway PostgreSQL database per test file: created on the server CI provides
 * (MODEL_LEDGER_TEST_PG, default postgres://postgres@127.0.0.1:5432/postgres) and dropped after,
 * so runs never see each other's rows. Each fixture then takes its own schema inside it.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'

export const ADMIN_URL = process.env.MODEL_LEDGER_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export interface TestDatabase {
  /** A postgres:// URL for a new, empty schema in the database. */
  url(schema?: string): string
  drop(): Promise<void>
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `model_ledger_test_${randomBytes(6).toString('hex')}`
  await admin((c) => c.query(`CREATE DATABASE ${name}`))
  let schemas = 0
  return {
    url(schema) {
      const url = new URL(ADMIN_URL)
      url.pathname = `/${name}`
      url.searchParams.set('schema', schema ?? `ledger_${++schemas}`)
      return url.toString()
    },
    // FORCE ends any session a test left open (a killed server's, say) rather than failing.
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  }
}
