/**
 * Dataset versions: version n of a datanet is its accepted, unrevoked contributions in acceptance
 * order, with the RFC 6962 Merkle root of their content hashes (the ledger's own `merkleRoot`),
 * total bytes and a licence summary. A sealed version is an event, so it never changes.
 */
import { right, type Either } from 'fp-ts/lib/Either.js'
import { fromHex } from '../crypto/hex.js'
import { refuse, type EconomyError } from '../economy/errors.js'
import type { EconomyEvent } from '../economy/events.js'
import type { EconomyState } from '../economy/state.js'
import { merkleRoot } from '../ledger/merkle.js'
import { isLive, type Contribution } from './state.js'

export function licenceSummary(members: readonly Contribution[]): { licence: string; items: number; bytes: number }[] {
  const by = new Map<string, { items: number; bytes: number }>()
  for (const c of members) {
    const seen = by.get(c.licence) ?? { items: 0, bytes: 0 }
    by.set(c.licence, { items: seen.items + 1, bytes: seen.bytes + c.byteLength })
  }
  return [...by].sort(([a], [b]) => (a < b ? -1 : 1)).map(([licence, counts]) => ({ licence, ...counts }))
}

export function sealVersion(datanetId: string, state: EconomyState): Either<EconomyError, readonly EconomyEvent[]> {
  const datanet = state.data.datanets.get(datanetId)
  if (datanet === undefined) return refuse('unknown-datanet', 'no such datanet', { datanetId })
  const members = datanet.accepted.map((id) => state.data.contributions.get(id)).filter((c): c is Contribution => c !== undefined && isLive(c))
  const ids = members.map((c) => c.id)
  if (ids.length === 0 || ids.join() === datanet.lastVersion.join()) {
    return refuse('nothing-to-seal', 'the accepted contributions are empty or unchanged since the last version')
  }
  const root = merkleRoot(members.map((c) => fromHex(c.contentHash)))
  const totalBytes = members.reduce((sum, c) => sum + c.byteLength, 0)
  return right([
    { type: 'DatasetVersionSealed', data: { datanetId, version: datanet.versions + 1, contributions: ids, root, totalBytes, licences: licenceSummary(members) } },
  ])
}
