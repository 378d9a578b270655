/**
 * `--store URL` → a storage backend. No URL means the embedded SQLite file in the data directory;
 * `sqlite:PATH` names another file; `postgres://…` (optionally `?schema=name`) and `esdb://…`
 * (or `kurrentdb://…`) name servers. Everything above the backend is the same for all of them.
 */
import { layout } from '../data-dir.js'
import type { StorageBackend } from './backend.js'
import { createEsdbBackend } from './esdb-backend.js'
import { createPostgresBackend } from './postgres-backend.js'
import { createSqliteBackend } from './sqlite-backend.js'
import { storeKind } from './store-kind.js'

export { storeKind, type StoreKind } from './store-kind.js'

export function openBackend(url: string | undefined, dataDir: string): StorageBackend {
  switch (storeKind(url)) {
    case 'postgres':
      return createPostgresBackend(url as string)
    case 'esdb':
      return createEsdbBackend(url as string)
    case 'sqlite':
      return createSqliteBackend(url === undefined ? layout(dataDir).ledgerDb : url.slice('sqlite:'.length))
  }
}

/** Whether the store holds no events yet (migrate refuses to write into one that does). */
export async function isEmptyStore(backend: StorageBackend): Promise<boolean> {
  return (await backend.head()).sequence === 0
}
