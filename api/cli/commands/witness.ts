/**
 * `model-ledger witness`: a C2SP tlog-witness (docs/witness.md). One command with three modes:
 * --init creates the witness's key and name in DIR (never overwriting), --print-vkey prints its
 * verifier key, and with --listen it serves add-checkpoint for the logs given by --log or --config.
 */
import { pino } from 'pino'
import { lockDataDir } from '../../../infrastructure/dir-lock.js'
import { nativeCrypto } from '../../../infrastructure/crypto/native.js'
import { systemClock } from '../../../infrastructure/clock.js'
import { readPassphrase } from '../../../infrastructure/keys/index.js'
import { logsFromArgs, readLogsFile, WitnessConfigError, type WitnessLogs } from '../../../infrastructure/witness/config.js'
import { openWitnessState } from '../../../infrastructure/witness/state.js'
import { createWitness } from '../../../infrastructure/witness/witness.js'
import { initWitnessDir, openWitnessKey, readWitnessInfo, witnessLayout } from '../../../infrastructure/witness/witness-dir.js'
import { startWitnessServer } from '../../witness/server.js'
import { EXIT, flag, parse, printJson, required, str, strs, UsageError, waitForSignal, type Command, type Parsed } from '../io.js'

const crypto = nativeCrypto

function hostPort(value: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value)
  const port = Number(match?.[3])
  if (match === null || port > 65535) throw new UsageError('--listen takes HOST:PORT (PORT 0 picks a free port)')
  return { host: match[1] ?? match[2] ?? '127.0.0.1', port }
}

async function logsOf(args: Parsed): Promise<WitnessLogs> {
  const pairs = strs(args, 'log')
  const file = str(args, 'config')
  if (pairs.length > 0 && file !== undefined) throw new UsageError('give the logs with --log or with --config, not both')
  let logs: WitnessLogs
  try {
    logs = file === undefined ? logsFromArgs(pairs, crypto) : await readLogsFile(file, crypto)
  } catch (error) {
    if (error instanceof WitnessConfigError) throw new UsageError(error.message)
    throw error
  }
  if (logs.size === 0) throw new UsageError('name at least one log to witness (--log ORIGIN=VKEY or --config FILE)')
  return logs
}

async function serve(dir: string, args: Parsed): Promise<number> {
  const { host, port } = hostPort(required(str(args, 'listen'), '--listen'))
  const logs = await logsOf(args)
  const file = str(args, 'passphrase-file')
  const stopping = waitForSignal()
  const lock = lockDataDir(dir, 'witness')
  const logger = pino({ level: 'info' }, pino.destination(2))
  try {
    const identity = await openWitnessKey(dir, crypto, file === undefined ? undefined : await readPassphrase({ file }))
    const state = openWitnessState(witnessLayout(dir).state)
    try {
      const witness = createWitness({ name: identity.name, signer: identity.signer, logs, state, crypto, clock: systemClock })
      const running = await startWitnessServer({
        witness,
        host,
        port,
        onSubmission: (outcome) =>
          outcome.ok ? logger.info({ origin: outcome.origin, size: outcome.size }, 'cosigned') : logger.info({ status: outcome.status, code: outcome.code, reason: outcome.reason }, 'refused'),
        onError: (error) => logger.error({ err: error instanceof Error ? error.message : String(error) }, 'request failed'),
      })
      process.stdout.write(`listening on ${running.url}\nwitness ${identity.name}\nvkey ${identity.vkey}\nlogs ${[...logs.keys()].join(', ')}\n`)
      const signal = await stopping
      logger.info({ signal }, 'stopping')
      await running.close()
    } finally {
      state.close()
    }
    return EXIT.ok
  } finally {
    lock.release()
    logger.flush()
  }
}

export const witnessCommand: Command = {
  name: 'witness',
  summary: 'a C2SP tlog-witness: cosign checkpoints of the logs it trusts after checking consistency (docs/witness.md)',
  usage: `model-ledger witness --data DIR --init [--name NAME] [--passphrase-file FILE] [--json]
model-ledger witness --data DIR --print-vkey
model-ledger witness --data DIR --listen HOST:PORT (--log ORIGIN=VKEY ... | --config FILE) [--passphrase-file FILE]

--init creates the witness key (DIR/keys/witness.key, encrypted) and its name (DIR/witness.json;
default model-ledger-witness/<16 hex digits of its key>) and prints its vkey; run again, it
changes nothing. The passphrase comes from --passphrase-file, MODEL_LEDGER_PASSPHRASE_FILE or
MODEL_LEDGER_PASSPHRASE; with none, a development passphrase is written to DIR/keys/passphrase.
--listen serves POST /add-checkpoint and GET /<sha256(origin)>/checkpoint (PORT 0 picks a free
port; the first line printed is "listening on <url>"). Each --log names a log's origin and its
Ed25519 vkey (repeatable); --config FILE reads {"logs": [{"origin": …, "vkeys": [ … ]}]}. What it
cosigned is kept in DIR/witness.db. Logs are JSON lines on stderr; SIGINT/SIGTERM stop it.`,
  async run(argv) {
    const args = parse(argv, {
      data: { type: 'string' },
      init: { type: 'boolean' },
      name: { type: 'string' },
      'print-vkey': { type: 'boolean' },
      listen: { type: 'string' },
      log: { type: 'string', multiple: true },
      config: { type: 'string' },
      'passphrase-file': { type: 'string' },
      json: { type: 'boolean' },
    })
    const dir = required(str(args, 'data'), '--data')
    const modes = ['init', 'print-vkey'].filter((mode) => flag(args, mode)).length + (str(args, 'listen') === undefined ? 0 : 1)
    if (modes !== 1) throw new UsageError('give exactly one of --init, --print-vkey, --listen')
    if (str(args, 'name') !== undefined && !flag(args, 'init')) throw new UsageError('--name is for --init')
    if (flag(args, 'print-vkey')) {
      process.stdout.write(`${(await readWitnessInfo(dir, crypto)).vkey}\n`)
      return EXIT.ok
    }
    if (!flag(args, 'init')) return serve(dir, args)
    const file = str(args, 'passphrase-file')
    const name = str(args, 'name')
    const result = await initWitnessDir(dir, {
      crypto,
      ...(name === undefined ? {} : { name }),
      ...(file === undefined ? {} : { passphrase: await readPassphrase({ file }) }),
    })
    if (flag(args, 'json')) {
      printJson({ created: result.created, data: dir, name: result.name, publicKey: result.publicKey, vkey: result.vkey, keyFile: result.layout.key, developmentPassphrase: result.developmentPassphrase })
      return EXIT.ok
    }
    const lines = [
      result.created ? `initialised witness ${dir}` : `${dir} already holds a witness; nothing changed`,
      `name      ${result.name}`,
      `vkey      ${result.vkey}`,
      `key file  ${result.layout.key} (encrypted)`,
    ]
    if (result.developmentPassphrase) lines.push(`passphrase ${result.layout.devPassphrase} (development mode: set MODEL_LEDGER_PASSPHRASE_FILE in production)`)
    process.stdout.write(`${lines.join('\n')}\n`)
    return EXIT.ok
  },
}
