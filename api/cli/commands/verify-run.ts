/**
 * What `model-ledger verify` runs on its thread: the options turned into trusted keys, anchors
 * and checkpoints, then the streaming verifier over the store or bundle.
 */
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
import type { Redecider } from '../../../domain/ledger/redecide.js'
import { flag, parse, positiveInt, publicKeyArg, str, strs, UsageError } from '../io.js'
import { VERIFY_OPTIONS } from './verify.js'

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

/**
 * Runs the verification the command line asks for on this thread (the command runs it on a thread
 * of its own: verify-thread.ts). Throws UsageError for options that do not hold.
 */
export async function runVerification(argv: string[], onProgress: (done: number, total: number) => void): Promise<VerifyReport> {
  const args = parse(argv, VERIFY_OPTIONS)
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
  // The economy's rules are loaded only to re-decide (--full).
  let redecide: ((ledgerKey: string) => Redecider) | undefined
  if (flag(args, 'full')) {
    const [{ economy }, { createRedecider }] = await Promise.all([import('../../../domain/economy/index.js'), import('../../../domain/ledger/redecide.js')])
    redecide = (ledgerKey) => createRedecider(economy, ledgerKey)
  }
  const backend = data === undefined ? undefined : openReadOnly(data)
  try {
    const lines = backend === undefined ? bundleFileLines(bundle as string) : storeLines(backend)
    return await verifyLines(lines, {
      ...(key === undefined ? {} : { trustedKey: key }),
      trustedAnchors: anchors,
      trustedTrees: trees,
      crypto,
      ...(workers === undefined ? {} : { workers }),
      ...(redecide === undefined ? {} : { redecide }),
      onProgress,
    })
  } finally {
    await backend?.close()
  }
}
