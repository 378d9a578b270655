/** Which backend a `--store` URL names (infrastructure/store/open-store.ts), without loading any backend. */
export type StoreKind = 'sqlite' | 'postgres' | 'esdb'

export function storeKind(url: string | undefined): StoreKind {
  if (url === undefined || url.startsWith('sqlite:')) return 'sqlite'
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgres'
  if (/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kdb):\/\//.test(url)) return 'esdb'
  throw new Error(`unknown store URL ${JSON.stringify(url)}: use sqlite:PATH, postgres://… or esdb://…`)
}
