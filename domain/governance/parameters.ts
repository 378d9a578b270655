/**
 * Parameters as governance changes them: every leaf of the genesis parameters by a dotted name
 * (`votingPeriodMs`, `roleStakes.validator`, `economics.spamSlash`), its codec, and the bounds
 * that governance itself cannot exceed. The bounds are constants of the rules, not parameters:
 * a proposal that could move them could move anything. A genesis is held only to `paramsProblem`;
 * the bounds apply to every change after it.
 */
import type * as t from 'io-ts'
import { isLeft } from 'fp-ts/lib/Either.js'
import type { JsonValue } from '../json.js'
import { tokens } from './amounts.js'
import { GenesisParamsC, paramsProblem, type GenesisParams, type Ratio } from './params.js'

const MINUTE = 60 * 1000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

export type Bound =
  | { readonly kind: 'integer'; readonly min: number; readonly max: number }
  | { readonly kind: 'amount'; readonly min: bigint; readonly max: bigint }
  | { readonly kind: 'ratio'; readonly min: Ratio; readonly max: Ratio }
  | { readonly kind: 'choice' }

const int = (min: number, max: number): Bound => ({ kind: 'integer', min, max })
const amount = (min: bigint, max: bigint): Bound => ({ kind: 'amount', min, max })
const ratio = (minN: number, minD: number, maxN: number, maxD: number): Bound => ({
  kind: 'ratio',
  min: { numerator: minN, denominator: minD },
  max: { numerator: maxN, denominator: maxD },
})
const SHARE = ratio(0, 1, 1, 1)

/** Every parameter governance may change, with the range it may change it within (inclusive). */
export const PARAMETER_BOUNDS = {
  'commandWindow.pastMs': int(MINUTE, 7 * DAY),
  'commandWindow.futureMs': int(0, HOUR),
  votingDelayMs: int(0, 14 * DAY),
  votingPeriodMs: int(HOUR, 30 * DAY),
  timelockMs: int(HOUR, 30 * DAY),
  gracePeriodMs: int(DAY, 90 * DAY),
  unbondCooldownMs: int(DAY, 90 * DAY),
  proposalStakeMin: amount(tokens(1), tokens(1_000_000)),
  proposalThreshold: amount(0n, tokens(10_000_000)),
  'roleStakes.validator': amount(tokens(1), tokens(10_000_000)),
  'roleStakes.contributor': amount(tokens(1), tokens(10_000_000)),
  'roleStakes.trainer': amount(tokens(1), tokens(10_000_000)),
  'roleStakes.operator': amount(tokens(1), tokens(10_000_000)),
  quorum: ratio(1, 100, 1, 2),
  quorumBasis: { kind: 'choice' },
  vetoThreshold: ratio(1, 10, 1, 2),
  vetoSlash: SHARE,
  lateQuorumExtensionMs: int(0, 7 * DAY),
  appealWindowMs: int(DAY, 90 * DAY),
  appealBond: amount(0n, tokens(1_000_000)),
  disputeWindowMs: int(DAY, 90 * DAY),
  disputeBond: amount(0n, tokens(100_000)),
  'economics.maxItemBytes': int(1, 100_000_000),
  'economics.maxBytesPerDay': int(1, 10_000_000_000),
  'economics.maxItemsPerDay': int(1, 10_000),
  'economics.contributionBond': amount(0n, tokens(1_000_000)),
  'economics.verdictsToFinalize': int(1, 100),
  'economics.validationWindowMs': int(HOUR, 30 * DAY),
  'economics.spamSlash': SHARE,
  'economics.scoreMin': int(0, 1000),
  'economics.scoreMax': int(0, 1000),
  'economics.commitWindowMs': int(HOUR, 14 * DAY),
  'economics.revealWindowMs': int(HOUR, 14 * DAY),
  'economics.tolerance': ratio(1, 100, 10, 1),
  'economics.feedbackPenalty': SHARE,
  'economics.rewardEpochMs': int(HOUR, 90 * DAY),
  'economics.epochShare': SHARE,
  'economics.dataShare': SHARE,
  'economics.usageReceiptWindowMs': int(HOUR, 30 * DAY),
  'economics.usageWithdrawalNoticeMs': int(HOUR, 60 * DAY),
  'economics.feeSplit.contributors': int(0, 10_000),
  'economics.feeSplit.validators': int(0, 10_000),
  'economics.feeSplit.proposer': int(0, 10_000),
  'economics.feeSplit.treasury': int(0, 10_000),
  'economics.maxLeaseMs': int(1_000, 24 * DAY),
  'economics.maxProgressReports': int(0, 10_000),
  'economics.minEvalExamples': int(1, 1_000_000),
  'economics.attestationQuorum': int(1, 100),
  'economics.attestationTolerance': SHARE,
  'economics.trainerSlash': SHARE,
  'economics.attesterPenalty': SHARE,
  'economics.trustInitial': int(1, 1_000_000),
  'economics.trustGain': ratio(1, 1000, 1, 2),
  'economics.trustLoss': ratio(1, 1000, 1, 1),
  'economics.consentRetrainDays': int(1, 365),
} as const satisfies Record<string, Bound>

export type ParameterName = keyof typeof PARAMETER_BOUNDS
export const PARAMETER_NAMES = Object.keys(PARAMETER_BOUNDS) as ParameterName[]

type AnyCodec = t.Type<unknown, unknown, unknown> & { readonly closedProps?: t.Props }

const isRatioCodec = (codec: AnyCodec): boolean => codec.closedProps !== undefined && 'numerator' in codec.closedProps

/** The codec of a parameter's value, found by walking the genesis codec along the name. */
export function parameterCodec(name: string): AnyCodec | undefined {
  let codec: AnyCodec | undefined = GenesisParamsC as unknown as AnyCodec
  for (const part of name.split('.')) {
    if (codec?.closedProps === undefined || isRatioCodec(codec)) return undefined
    codec = Object.prototype.hasOwnProperty.call(codec.closedProps, part) ? (codec.closedProps[part] as AnyCodec) : undefined
  }
  return codec
}

/** Every leaf name the genesis codec has: a test holds PARAMETER_BOUNDS to exactly these. */
export function leafNames(codec: AnyCodec = GenesisParamsC as unknown as AnyCodec, prefix = ''): string[] {
  if (codec.closedProps === undefined || isRatioCodec(codec)) return [prefix]
  return Object.entries(codec.closedProps).flatMap(([key, inner]) => leafNames(inner as AnyCodec, prefix === '' ? key : `${prefix}.${key}`))
}

type Tree = { readonly [key: string]: unknown }

/** A parameter's value in a set of parameters (typed: bigints for amounts). */
export function parameterOf(params: GenesisParams, name: ParameterName): unknown {
  let node: unknown = params
  for (const part of name.split('.')) node = (node as Tree)[part]
  return node
}

/** The parameter's value as JSON (amounts as decimal strings), the way events record it. */
export function parameterJson(params: GenesisParams, name: ParameterName): JsonValue {
  return (parameterCodec(name) as AnyCodec).encode(parameterOf(params, name)) as JsonValue
}

function setAt(tree: Tree, parts: readonly string[], value: unknown): Tree {
  const [head, ...rest] = parts as [string, ...string[]]
  return { ...tree, [head]: rest.length === 0 ? value : setAt(tree[head] as Tree, rest, value) }
}

/** The parameters with one changed; the given ones are unchanged. */
export function withParameter(params: GenesisParams, name: ParameterName, value: unknown): GenesisParams {
  return setAt(params as unknown as Tree, name.split('.'), value) as unknown as GenesisParams
}

const ratioBelow = (a: Ratio, b: Ratio): boolean => a.numerator * b.denominator < b.numerator * a.denominator

function outOfBounds(bound: Bound, value: unknown): boolean {
  switch (bound.kind) {
    case 'integer':
      return (value as number) < bound.min || (value as number) > bound.max
    case 'amount':
      return (value as bigint) < bound.min || (value as bigint) > bound.max
    case 'ratio': {
      const r = value as Ratio
      return r.numerator > r.denominator * 1000 || ratioBelow(r, bound.min) || ratioBelow(bound.max, r)
    }
    case 'choice':
      return false
  }
}

export function describeBound(bound: Bound): string {
  switch (bound.kind) {
    case 'integer':
    case 'amount':
      return `[${bound.min}, ${bound.max}]`
    case 'ratio':
      return `[${bound.min.numerator}/${bound.min.denominator}, ${bound.max.numerator}/${bound.max.denominator}]`
    case 'choice':
      return 'one of the codec’s choices'
  }
}

type Refusal = { readonly ok: false; readonly code: 'bad-parameter-value' | 'parameter-out-of-bounds' | 'invalid-parameters'; readonly message: string }
export type ParameterChange = { readonly ok: true; readonly params: GenesisParams; readonly from: JsonValue; readonly to: JsonValue } | Refusal

/** The value decoded with the parameter's codec and within its bound, or why not. */
function decodeWithin(name: ParameterName, value: JsonValue): { readonly ok: true; readonly value: unknown } | Refusal {
  const codec = parameterCodec(name) as AnyCodec
  const decoded = codec.decode(value)
  if (isLeft(decoded)) return { ok: false, code: 'bad-parameter-value', message: `${name} takes ${codec.name}` }
  const bound: Bound = PARAMETER_BOUNDS[name]
  if (outOfBounds(bound, decoded.right)) return { ok: false, code: 'parameter-out-of-bounds', message: `governance may set ${name} only within ${describeBound(bound)}` }
  return { ok: true, value: decoded.right }
}

/** Checks a proposed value on its own (codec and bound), before the parameters it will meet are known. */
export function parameterValueProblem(name: ParameterName, value: JsonValue): Refusal | undefined {
  const decoded = decodeWithin(name, value)
  return decoded.ok ? undefined : decoded
}

/**
 * Applies one change to the parameters in force: the value must decode with the parameter's
 * codec, lie within its bound, and leave the whole set usable (`paramsProblem`, which checks the
 * rules between parameters, such as scoreMin below scoreMax).
 */
export function changeParameter(params: GenesisParams, name: ParameterName, value: JsonValue): ParameterChange {
  const decoded = decodeWithin(name, value)
  if (!decoded.ok) return decoded
  const next = withParameter(params, name, decoded.value)
  const problem = paramsProblem(next)
  if (problem !== undefined) return { ok: false, code: 'invalid-parameters', message: `with ${name} changed: ${problem}` }
  return { ok: true, params: next, from: parameterJson(params, name), to: (parameterCodec(name) as AnyCodec).encode(decoded.value) as JsonValue }
}
