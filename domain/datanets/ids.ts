/** Ids and stream names of the datanet vertical. */
import { textHash } from '../economy/hash.js'
import type { DataEvent } from './events.js'

/** One id per content per datanet: a duplicate lands on the same stream, so even racing writers cannot both record it. */
export function contributionIdOf(datanetId: string, contentHash: string): string {
  return textHash(`contribution:${datanetId}:${contentHash}`)
}

export const datanetStream = (id: string): string => `datanet-${id}`
export const contributionStream = (id: string): string => `contribution-${id}`

export function dataStreamOf(event: DataEvent): string {
  switch (event.type) {
    case 'DatanetOpened':
    case 'DatasetVersionSealed':
      return datanetStream(event.data.datanetId)
    case 'ContributionSubmitted':
    case 'VerdictCast':
    case 'ContributionFinalized':
    case 'ContributionRevoked':
      return contributionStream(event.data.contributionId)
  }
}
