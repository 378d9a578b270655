/**
 * `postgres://user@host:port/db?schema=name`: the connection string pg understands, plus the
 * schema the ledger lives in, so several ledgers (or test runs) can share one database.
 */
export interface PostgresTarget {
  readonly connectionString: string
  readonly schema: string
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

export function parsePostgresUrl(url: string, defaultSchema = 'model_ledger'): PostgresTarget {
  const parsed = new URL(url)
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') throw new Error(`not a postgres:// URL: ${url}`)
  const schema = parsed.searchParams.get('schema') ?? defaultSchema
  if (!SCHEMA_NAME.test(schema)) throw new Error(`schema ${JSON.stringify(schema)} must be a lower-case SQL identifier`)
  parsed.searchParams.delete('schema')
  return { connectionString: parsed.toString(), schema }
}

/** A schema-qualified identifier; the schema was checked by parsePostgresUrl's pattern. */
export function qualified(schema: string, table: string): string {
  return `"${schema}"."${table}"`
}
