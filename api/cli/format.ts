/** Human formatting of ledger values for the CLI. */
import { DECIMALS } from '../../domain/governance/amounts.js'

/** Base units as whole tokens with up to 4 decimals: 20000000000000000000000n → "20,000". */
export function formatTokens(amount: bigint): string {
  const negative = amount < 0n
  const abs = negative ? -amount : amount
  const unit = 10n ** BigInt(DECIMALS)
  const whole = (abs / unit).toLocaleString('en-US')
  const fraction = (abs % unit).toString().padStart(DECIMALS, '0').slice(0, 4).replace(/0+$/, '')
  return `${negative ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`
}

export function short(key: string): string {
  return `${key.slice(0, 8)}…`
}
