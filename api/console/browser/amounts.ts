/**
 * OPEN amounts as people read them: base units (18 decimals, decimal strings on the wire) turned
 * into whole tokens with bigint arithmetic only, every significant decimal kept, thousands grouped.
 * A float would round large balances; an auditor must see the exact figure the log holds.
 */
export const DECIMALS = 18
const UNIT = 10n ** BigInt(DECIMALS)
const BASE_UNITS = /^-?\d{1,78}$/

function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** "116000000000000000" → "0.116"; "20000000000000000000000" → "20,000"; undefined when not base units. */
export function formatOpenAmount(baseUnits: string | bigint): string | undefined {
  if (typeof baseUnits === 'string' && !BASE_UNITS.test(baseUnits)) return undefined
  const value = BigInt(baseUnits)
  const negative = value < 0n
  const abs = negative ? -value : value
  const fraction = (abs % UNIT).toString().padStart(DECIMALS, '0').replace(/0+$/, '')
  return `${negative ? '-' : ''}${group((abs / UNIT).toString())}${fraction === '' ? '' : `.${fraction}`}`
}

/** With its unit: "0.116 OPEN". */
export function formatOpen(baseUnits: string | bigint, unit = 'OPEN'): string {
  const text = formatOpenAmount(baseUnits)
  return text === undefined ? String(baseUnits) : `${text} ${unit}`
}

/** The sum of several base-unit strings, exactly. */
export function sumBaseUnits(values: readonly (string | bigint)[]): bigint {
  return values.reduce<bigint>((acc, value) => acc + BigInt(value), 0n)
}

/**
 * Row members that hold OPEN (or gOPEN) base units in the read models (projections/read-models:
 * every member decoded with AmountC), plus per-1k-token prices. Anything else is shown as it is.
 */
export const AMOUNT_FIELDS: ReadonlySet<string> = new Set([
  'amount', 'backing', 'balance', 'bond', 'bondForfeited', 'minBacking', 'operatorSlashed', 'refunded', 'reversed', 'charged', 'contributors', 'dataPool', 'deposited', 'escrowed', 'fee', 'fees', 'free',
  'open', 'paid', 'pendingRewards', 'proposer', 'rewardPool', 'roundRewards', 'slashed', 'spendCap', 'stake', 'staked', 'supply', 'total', 'unpaid',
  'usageEscrow', 'usageEscrowWithdrawing', 'validatorPool', 'validators', 'withdrawing', 'withdrawn', 'inputPer1k', 'outputPer1k',
])
/** Members in gOPEN (governance tokens) rather than OPEN. */
export const GOPEN_FIELDS: ReadonlySet<string> = new Set(['gopen', 'votingPower', 'weight', 'for', 'against', 'abstain', 'snapshotSupply', 'required', 'snapshotPower', 'quorum'])
