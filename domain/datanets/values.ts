/** Value codecs of datanets and contributions. */
import * as t from 'io-ts'
import { closed, Hex32, integer, pattern } from '../codec.js'
import { AmountC } from '../governance/amounts.js'
import { LabelC } from '../governance/values.js'

/** SHA-256 of a blob's bytes, lower-case hex: the content's address in the blob store. */
export const ContentHashC = Hex32
export const ContributionIdC = pattern('contribution id (64 hex)', /^[0-9a-f]{64}$/)
/** A datanet's id is its mandate's id: one datanet per mandate. */
export const DatanetIdC = pattern('datanet id (64 hex)', /^[0-9a-f]{64}$/)

/** type/subtype in lower case (RFC 6838 restricted names), no parameters. */
export const MediaTypeC = pattern('media type', /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/)
/** One SPDX licence identifier (e.g. CC-BY-4.0, MIT, LicenseRef-x); expressions are not accepted. */
export const LicenceC = pattern('SPDX licence identifier', /^[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$/)

const MetadataKeyC = pattern('metadata key', /^[a-z][a-z0-9_.-]{0,63}$/)
/** Free-form labels about the item, at most 32 of them. */
export const MetadataC = new t.Type<Record<string, string>, Record<string, string>, unknown>(
  'Metadata (up to 32 key: label)',
  (u): u is Record<string, string> => t.record(MetadataKeyC, LabelC).is(u) && Object.keys(u as object).length <= 32,
  (u, c) => {
    const decoded = t.record(MetadataKeyC, LabelC).validate(u, c)
    if (decoded._tag === 'Right' && Object.keys(decoded.right).length > 32) return t.failure(u, c, 'at most 32 metadata entries')
    return decoded
  },
  t.identity,
)

export const ByteLengthC = integer('byte length', 1)
export const ScoreC = integer('score (0-100)', 0, 100)

/** A verdict: accept, reject, or reject as spam (which costs the contributor the bond). */
export const DecisionC = t.keyof({ accept: null, reject: null, spam: null }, 'Decision')
export type Decision = t.TypeOf<typeof DecisionC>

export const OutcomeC = t.keyof({ accepted: null, rejected: null, spam: null, unjudged: null }, 'Outcome')
export type Outcome = t.TypeOf<typeof OutcomeC>

export const LimitsC = closed(
  { maxItemBytes: integer('maxItemBytes', 1), maxBytesPerDay: integer('maxBytesPerDay', 1), maxItemsPerDay: integer('maxItemsPerDay', 1) },
  'Limits',
)
export type Limits = t.TypeOf<typeof LimitsC>

export const nonEmpty = <C extends t.Mixed>(codec: C, name: string) =>
  t.refinement(t.array(codec), (items) => items.length > 0 && items.length <= 64 && new Set(items).size === items.length, name)

/** Stake-weighted sums of a contribution's verdicts. */
export const VerdictTallyC = closed({ accept: AmountC, reject: AmountC, spam: AmountC }, 'VerdictTally')
export type VerdictTally = t.TypeOf<typeof VerdictTallyC>
