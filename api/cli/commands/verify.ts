import { readFileSync } from 'node:fs'
import { decodeWith } from '../../../domain/codec.js'
import { isAnchor } from '../../../domain/ledger/anchor.js'
import type { TrustedAnchor, TrustedTree } from '../../../domain/ledger/chain-check.js'
import { openCosignedNote } from '../../../domain/tlog/witnessed.js'
import { checkEnvelopeSeal, EnvelopeC } from '../../../domain/ledger/envelope.js'
import { bundleFileLines, storeLines } from '../../../infrastructure/bundle/lines.js'
import { nativeCrypto } from '../../../infrastructure/crypto/native.js'
import { openReadOnly } from '../../../infrastructure/data-dir.js'
import { verifyLines, type VerifyReport } from '../../../infrastructure/verify/verifier.js'
import { economy } from '../../../domain/economy/index.js'
import { createRedecider } from '../../../domain/ledger/redecide.js'
import { keyLines } from './head.js'
import { EXIT, flag, parse, positiveInt, printJson, progress, publicKeyArg, str, strs, UsageError, type Command } from '../io.js'

/**
 * A checkpoint note file, trusted only with enough witness cosignatures and the ledger's
 * signature: by the key in force at its checkpoint, which the verification follows from the
 * trusted key through the log's rotations (so a note signed after a rotation counts too).
 */
function trustedTree(path: string, key: string | undefined, witnesses: readonly string[], minimum: number): TrustedTree {
  if (key === undefined) throw new UsageError('--checkpoint needs --key: a checkpoint is only trusted under a key you trust')
  let note: string
  try {
    note = readFileSync(path, 'utf8')
  } catch {
    throw new UsageError(`cannot read checkpoint ${path}`)
  }
  const opened = openCosignedNote(note, witnesses, minimum, nativeCrypto)
  if (!opened.ok) throw new UsageError(`checkpoint ${path}: ${opened.reason}`)
  const by = opened.witnesses.length > 0 ? `the ledger and witness(es) ${opened.witnesses.join(', ')}` : 'the ledger'
  return { size: opened.size, root: opened.root, source: `${by} (checkpoint ${path})`, signedBy: opened.signedBy }
}

/**
 * A trusted anchor file: an anchor envelope the auditor kept, whose hash and signature must hold.
 * Its signer may be a rotated key: the log must then hold it unchanged, under the chain of keys
 * that verification follows from the trusted key.
 */
function trustedAnchor(path: string, key: string | undefined): TrustedAnchor {
  let value: unknown
  try {
    value = JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    throw new UsageError(`cannot read trusted anchor ${path} as JSON`)
  }
  const decoded = decodeWith(EnvelopeC, value)
  if (!decoded.ok || !isAnchor(decoded.value)) throw new UsageError(`${path} is not an anchor envelope`)
  if (key === undefined) throw new UsageError('--trusted-anchor needs --key: an anchor is only trusted under a key you trust')
  if (!checkEnvelopeSeal(decoded.value, nativeCrypto).ok) throw new UsageError(`${path} is not signed by the trusted key or a key it rotated to: its hash and signature do not hold`)
  return { sequence: decoded.value.sequence, hash: decoded.value.hash }
}

function describe(report: VerifyReport, seconds: number): string {
  const lines: string[] = []
  if (report.ok && report.summary !== null) {
    const s = report.summary
    const rate = seconds > 0 ? Math.round(s.events / seconds) : s.events
    lines.push(`OK: ${s.events} events, ${s.commands} commands, ${s.anchors} anchors, ${s.streams} streams verified in ${seconds.toFixed(2)} s (${rate} events/s)`)
    lines.push(`ledger key   ${report.ledgerPublicKey} (${report.keySource === 'trusted' ? 'the key you gave' : 'taken from the log, unconfirmed'})`)
    if (s.keys.length > 1) lines.push(keyLines(s.keys).trimEnd())
    lines.push(`head         ${s.head.sequence} ${s.head.hash}`)
    lines.push(`last anchor  ${s.lastAnchor.sequence} ${s.lastAnchor.hash}`)
    if (report.redecided !== null) lines.push(`re-decided   ${report.redecided} commands: every recorded event is what the rules give`)
  } else if (report.failure !== null) {
    const where = report.failure.sequence === null ? `line ${report.failure.line}` : `sequence ${report.failure.sequence} (line ${report.failure.line})`
    lines.push(`FAILED at ${where}: ${report.failure.reason}`)
  }
  for (const warning of report.warnings) lines.push(`warning: ${warning}`)
  return lines.join('\n')
}

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'verify every signature, hash, chain link, sequence, stream version and anchor',
  usage: `model-ledger verify (--data DIR | --bundle FILE) [--key HEX|FILE] [--trusted-anchor FILE]... [--checkpoint NOTE [--witness VKEY]... [--min-witnesses N]]... [--full] [--workers N] [--crypto native|reference] [--json]

Exits 0 only if the whole log holds; 1 names the first bad sequence and why.
--key             the ledger public key you trust; without it the key is taken from the log and reported as unconfirmed
--trusted-anchor  an anchor envelope you kept earlier (model-ledger head --anchor); the log must still contain it
--checkpoint      a checkpoint note kept earlier or fetched from a witness (/tlog/checkpoint): the log's
                  tree of that size must have that root, or the log is named a fork; the note must be
                  signed by the key in force at its checkpoint (the trusted key, or one it rotated to)
--witness         a witness's vkey (name+keyid+base64, type 0x04); a --checkpoint counts only with
--min-witnesses   N valid cosignatures by distinct witnesses given (default: 1 when --witness is given)
--full            also re-decide every command against the replayed state: vote weights, slashes,
                  reward maps and every other derived fact must come out exactly as recorded
--workers         threads for signature checks (default: one per core)`,
  async run(argv) {
    const args = parse(argv, {
      data: { type: 'string' },
      bundle: { type: 'string' },
      key: { type: 'string' },
      'trusted-anchor': { type: 'string', multiple: true },
      checkpoint: { type: 'string', multiple: true },
      witness: { type: 'string', multiple: true },
      'min-witnesses': { type: 'string' },
      workers: { type: 'string' },
      crypto: { type: 'string' },
      full: { type: 'boolean' },
      json: { type: 'boolean' },
    })
    const data = str(args, 'data')
    const bundle = str(args, 'bundle')
    if ((data === undefined) === (bundle === undefined)) throw new UsageError('give exactly one of --data DIR or --bundle FILE')
    const keyArg = str(args, 'key')
    const key = keyArg === undefined ? undefined : publicKeyArg(keyArg)
    const anchors = strs(args, 'trusted-anchor').map((path) => trustedAnchor(path, key))
    const witnesses = strs(args, 'witness')
    const minimum = str(args, 'min-witnesses') === undefined ? Math.min(1, witnesses.length) : Number(str(args, 'min-witnesses'))
    if (!Number.isSafeInteger(minimum) || minimum < 0) throw new UsageError('--min-witnesses is a whole number')
    if (minimum > witnesses.length) throw new UsageError(`--min-witnesses ${minimum} needs at least that many --witness keys`)
    const trees = strs(args, 'checkpoint').map((path) => trustedTree(path, key, witnesses, minimum))
    const crypto = str(args, 'crypto') ?? 'native'
    if (crypto !== 'native' && crypto !== 'reference') throw new UsageError('--crypto is native or reference')
    const workers = positiveInt(str(args, 'workers'), '--workers')
    const json = flag(args, 'json')
    const bar = progress('verifying', json)
    const started = performance.now()
    const backend = data === undefined ? undefined : openReadOnly(data)
    let report: VerifyReport
    try {
      const lines = backend === undefined ? bundleFileLines(bundle as string) : storeLines(backend)
      report = await verifyLines(lines, {
        ...(key === undefined ? {} : { trustedKey: key }),
        trustedAnchors: anchors,
        trustedTrees: trees,
        crypto,
        ...(workers === undefined ? {} : { workers }),
        ...(flag(args, 'full') ? { redecide: (ledgerKey: string) => createRedecider(economy, ledgerKey) } : {}),
        onProgress: (done, total) => bar.update(done, total),
      })
    } finally {
      bar.stop()
      await backend?.close()
    }
    const seconds = (performance.now() - started) / 1000
    if (json) printJson({ ...report, seconds })
    else process.stdout.write(`${describe(report, seconds)}\n`)
    return report.ok ? EXIT.ok : EXIT.failed
  },
}
