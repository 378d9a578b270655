/**
 * `model-ledger genesis`: the first command of a fresh ledger, signed by its ledger key
 * (docs/cli.md): the treasury, the first allocations and the protocol parameters, from a JSON file
 * or from flags, the rest of the parameters at their defaults. Amounts are base units (10^18 per
 * OPEN) as decimal strings, as everywhere on the wire.
 */
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { toHex } from '../../../domain/crypto/hex.js'
import { economy, encodeRequest } from '../../../domain/economy/index.js'
import { defaultParams } from '../../../domain/governance/index.js'
import { signCommand } from '../../../domain/ledger/command.js'
import type { JsonValue } from '../../../domain/json.js'
import { createCommandHandler } from '../../../infrastructure/command-handler.js'
import { nativeCrypto } from '../../../infrastructure/crypto/native.js'
import { openLedger } from '../../../infrastructure/data-dir.js'
import { CommandFailed, EXIT, flag, parse, printJson, required, str, strs, UsageError, type Command } from '../io.js'

const HEX64 = /^[0-9a-f]{64}$/
const AMOUNT = /^(?:0|[1-9][0-9]{0,77})$/

interface GenesisFile {
  readonly treasuryKey?: unknown
  readonly treasury?: unknown
  readonly allocations?: unknown
  readonly params?: unknown
}

const isRecord = (value: unknown): value is Record<string, JsonValue> => typeof value === 'object' && value !== null && !Array.isArray(value)

function amount(value: unknown, what: string): string {
  if (typeof value !== 'string' || !AMOUNT.test(value)) throw new UsageError(`${what} must be base units as a decimal string (1 OPEN = 1000000000000000000)`)
  return value
}

function key(value: unknown, what: string): string {
  if (typeof value !== 'string' || !HEX64.test(value)) throw new UsageError(`${what} must be a public key (64 lower-case hex)`)
  return value
}

/** The genesis as the file or the flags give it, checked for shape here; the ledger's rules check the rest. */
function genesisOf(args: ReturnType<typeof parse>): { treasuryKey: string; treasury: string; allocations: { account: string; amount: string }[]; params: Record<string, JsonValue> } {
  const file = str(args, 'file')
  let given: GenesisFile = {}
  if (file !== undefined) {
    try {
      given = JSON.parse(readFileSync(file, 'utf8')) as GenesisFile
    } catch {
      throw new UsageError(`cannot read ${file} as JSON`)
    }
    if (!isRecord(given)) throw new UsageError(`${file} must hold a JSON object`)
  }
  const allocationsFlag = strs(args, 'allocate').map((pair) => {
    const [account, value] = pair.split('=')
    return { account: key(account, '--allocate KEY'), amount: amount(value, '--allocate AMOUNT') }
  })
  const fileAllocations = given.allocations === undefined ? [] : Array.isArray(given.allocations) ? given.allocations : undefined
  if (fileAllocations === undefined) throw new UsageError('allocations must be a list of { account, amount }')
  const allocations = [
    ...fileAllocations.map((a, i) => ({ account: key((a as GenesisFile & { account?: unknown }).account, `allocations[${i}].account`), amount: amount((a as { amount?: unknown }).amount, `allocations[${i}].amount`) })),
    ...allocationsFlag,
  ]
  if (given.params !== undefined && !isRecord(given.params)) throw new UsageError('params must be an object (the protocol parameters to change from their defaults)')
  return {
    treasuryKey: key(str(args, 'treasury-key') ?? given.treasuryKey, 'the treasury key (--treasury-key or treasuryKey)'),
    treasury: amount(str(args, 'treasury') ?? given.treasury ?? '0', 'the treasury (--treasury or treasury)'),
    allocations,
    params: (given.params as Record<string, JsonValue> | undefined) ?? {},
  }
}

export const genesisCommand: Command = {
  name: 'genesis',
  summary: 'establish the genesis of a fresh ledger from a file or flags: treasury, allocations, parameters',
  usage: `model-ledger genesis --data DIR [--file genesis.json] [--treasury-key HEX] [--treasury AMOUNT] [--allocate KEY=AMOUNT ...] [--json]

Signs EstablishGenesis with the ledger key of DIR and appends it (stop serve first: one process
owns a data directory). The file holds { treasuryKey, treasury, allocations: [{ account, amount }],
params: { ... } }; flags override or add to it; parameters not given keep their defaults
(docs/governance.md). Amounts are base units: 1 OPEN is 1000000000000000000.`,
  async run(argv) {
    const args = parse(argv, { data: { type: 'string' }, file: { type: 'string' }, 'treasury-key': { type: 'string' }, treasury: { type: 'string' }, allocate: { type: 'string', multiple: true }, json: { type: 'boolean' } })
    const dir = required(str(args, 'data'), '--data')
    const genesis = genesisOf(args)
    const defaults = encodeRequest({ type: 'EstablishGenesis', payload: { params: defaultParams, treasuryKey: genesis.treasuryKey, treasury: 0n, allocations: [] } }).payload as Record<string, JsonValue>
    const payload = { ...genesis, params: { ...(defaults.params as Record<string, JsonValue>), ...genesis.params } }
    const { store, signer } = await openLedger(dir)
    try {
      const signed = signCommand({ type: 'EstablishGenesis', payload, actor: toHex(signer.publicKey), nonce: `genesis-${randomUUID()}`, issuedAt: new Date().toISOString(), ledger: store.ledgerPublicKey }, signer, nativeCrypto)
      const result = await createCommandHandler({ store, vertical: economy }).handle(signed)
      if (!result.ok) throw new CommandFailed(`genesis refused: ${result.error.code}: ${result.error.message}`)
      if (flag(args, 'json')) printJson({ ...result, ledgerPublicKey: store.ledgerPublicKey, treasuryKey: genesis.treasuryKey, allocations: genesis.allocations.length })
      else process.stdout.write(`genesis at sequence ${result.firstSequence}: treasury ${genesis.treasuryKey} holds ${genesis.treasury}, ${genesis.allocations.length} allocations; command ${result.commandHash}\n`)
      return EXIT.ok
    } finally {
      await store.close()
    }
  },
}
