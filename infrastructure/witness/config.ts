/**
 * The logs a witness trusts: `ORIGIN=VKEY` pairs from the command line, or a JSON file
 *
 *   { "logs": [ { "origin": "model-ledger/0123456789abcdef", "vkeys": ["model-ledger/0123…+1a2b3c4d+AR…"] } ] }
 *
 * Each vkey must be an Ed25519 note key (type 0x01): a log signs its checkpoints with one. An
 * origin may be named more than once (key rotation: any of its keys will do).
 */
import { readFile } from 'node:fs/promises'
import * as t from 'io-ts'
import { closed, decodeWith } from '../../domain/codec.js'
import type { CryptoSuite } from '../../domain/ports/crypto.js'
import { ALGORITHM, type NoteVerifier } from '../../domain/tlog/note.js'
import { verifierFromVkey } from '../../domain/tlog/vkey.js'

export const WitnessLogsC = closed(
  {
    logs: t.array(closed({ origin: t.string, vkeys: t.array(t.string) }, 'WitnessLog'), 'logs'),
  },
  'WitnessConfig',
)

export type WitnessLogs = ReadonlyMap<string, readonly NoteVerifier[]>

export class WitnessConfigError extends Error {
  override readonly name = 'WitnessConfigError'
}

function logVerifier(origin: string, vkey: string, crypto: CryptoSuite): NoteVerifier {
  if (origin === '' || origin.includes('\n')) throw new WitnessConfigError(`${JSON.stringify(origin)} is not an origin (one non-empty line)`)
  const verifier = verifierFromVkey(vkey, crypto)
  if (!verifier.ok) throw new WitnessConfigError(`the vkey for ${origin} is not valid: ${verifier.reason}`)
  if (verifier.value.algorithm !== ALGORITHM.ed25519) throw new WitnessConfigError(`the vkey for ${origin} is not an Ed25519 log key (type 0x01)`)
  return verifier.value
}

function collect(pairs: ReadonlyArray<readonly [string, string]>, crypto: CryptoSuite): WitnessLogs {
  const logs = new Map<string, NoteVerifier[]>()
  for (const [origin, vkey] of pairs) {
    const verifier = logVerifier(origin, vkey, crypto)
    const known = logs.get(origin) ?? []
    if (!known.some((other) => other.name === verifier.name && other.keyId === verifier.keyId)) known.push(verifier)
    logs.set(origin, known)
  }
  return logs
}

/** `ORIGIN=VKEY` arguments; the origin ends at the first `=` (a vkey's base64 may end in `=`). */
export function logsFromArgs(args: readonly string[], crypto: CryptoSuite): WitnessLogs {
  return collect(
    args.map((arg) => {
      const at = arg.indexOf('=')
      if (at <= 0) throw new WitnessConfigError(`--log takes ORIGIN=VKEY, not ${JSON.stringify(arg)}`)
      return [arg.slice(0, at), arg.slice(at + 1)] as const
    }),
    crypto,
  )
}

export function logsFromJson(json: unknown, crypto: CryptoSuite): WitnessLogs {
  const decoded = decodeWith(WitnessLogsC, json)
  if (!decoded.ok) throw new WitnessConfigError(`the witness config is not valid: ${decoded.error}`)
  return collect(decoded.value.logs.flatMap((log) => log.vkeys.map((vkey) => [log.origin, vkey] as const)), crypto)
}

export async function readLogsFile(path: string, crypto: CryptoSuite): Promise<WitnessLogs> {
  let json: unknown
  try {
    json = JSON.parse(await readFile(path, 'utf8'))
  } catch (error) {
    throw new WitnessConfigError(`cannot read the witness config ${path}: ${(error as Error).message.split('\n')[0] ?? ''}`)
  }
  return logsFromJson(json, crypto)
}
