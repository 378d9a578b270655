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

/** The signing keys after a rotation, one line each, the one in force last. */
export function keyLines(keys: readonly { publicKey: string; since: number }[]): string {
  return keys.map((key, i) => `${i === keys.length - 1 ? 'signing key ' : 'retired key '} ${key.publicKey} from sequence ${key.since}\n`).join('')
}
