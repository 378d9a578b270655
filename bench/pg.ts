/**
 * A PostgreSQL database of a benchmark's own, on MODEL_LEDGER_BENCH_PG (default
 * postgres://postgres@127.0.0.1:5432/postgres): created before, dropped after, each store in a
 * schema of it.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'

const ADMIN = process.env.MODEL_LEDGER_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres'

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN })
  await client.connect()
  await client.query(sql)
  await client.end()
}

export interface BenchDatabase {
  /** The URL of `schema` in the benchmark's database (the stores' `?schema=`). */
  url(schema: string): string
  drop(): Promise<void>
}

export async function createBenchDatabase(): Promise<BenchDatabase> {
  const database = `model_ledger_bench_${randomBytes(4).toString('hex')}`
  await admin(`CREATE DATABASE ${database}`)
  return {
    url(schema) {
      const url = new URL(ADMIN)
      url.pathname = `/${database}`
      url.searchParams.set('schema', schema)
      return url.toString()
    },
    drop: () => admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`),
  }
}
