import { readFileSync } from 'node:fs'
import { checkProof } from '../../../domain/ledger/proof.js'
import { nativeCrypto } from '../../../infrastructure/crypto/native.js'
import { openReadOnly } from '../../../infrastructure/data-dir.js'
import { ProofUnavailable, Proofs } from '../../../infrastructure/proofs/build-proof.js'
import { CommandFailed, EXIT, flag, parse, positiveInt, printJson, publicKeyArg, required, str, UsageError, type Command } from '../io.js'

export const proofCommand: Command = {
  name: 'proof',
  summary: 'print an inclusion or consistency proof (JSON)',
  usage: `model-ledger proof --data DIR --sequence N [--size S]
model-ledger proof --data DIR --consistency OLD [--to NEW]

--sequence: the event, the checkpoint of tree size S (default: the latest) and the RFC 9162
inclusion proof of the event's leaf (index N-1) in that checkpoint's tree.
--consistency: the checkpoints of tree sizes OLD and NEW (default: the latest) and the RFC 9162
consistency proof between their trees. Check either offline with:
model-ledger verify-proof FILE --key PUBKEY`,
  async run(argv) {
    const args = parse(argv, { data: { type: 'string' }, sequence: { type: 'string' }, size: { type: 'string' }, consistency: { type: 'string' }, to: { type: 'string' } })
    const data = required(str(args, 'data'), '--data')
    const consistency = positiveInt(str(args, 'consistency'), '--consistency')
    const sequence = positiveInt(str(args, 'sequence'), '--sequence')
    if ((consistency === undefined) === (sequence === undefined)) throw new UsageError('give --sequence N or --consistency OLD')
    const backend = openReadOnly(data)
    try {
      const proofs = new Proofs(backend)
      printJson(
        consistency !== undefined
          ? await proofs.consistency(consistency, positiveInt(str(args, 'to'), '--to'))
          : await proofs.inclusion(sequence ?? 0, positiveInt(str(args, 'size'), '--size')),
      )
      return EXIT.ok
    } catch (error) {
      if (error instanceof ProofUnavailable) throw new CommandFailed(error.message, EXIT.failed)
      throw error
    } finally {
      await backend.close()
    }
  },
}

export const verifyProofCommand: Command = {
  name: 'verify-proof',
  summary: 'check an inclusion or consistency proof offline against the ledger key',
  usage: `model-ledger verify-proof FILE --key HEX|FILE [--json]

Checks the events' hashes and signatures and the checkpoint note signatures under the key you
give (never the key the proof names), then the RFC 9162 proof, with every position derived from
the leaf index and the tree sizes.`,
  async run(argv) {
    const args = parse(argv, { key: { type: 'string' }, json: { type: 'boolean' } }, true)
    const file = args.positionals[0]
    if (file === undefined || args.positionals.length > 1) throw new UsageError('give one proof file')
    const key = publicKeyArg(required(str(args, 'key'), '--key'))
    let value: unknown
    try {
      value = JSON.parse(readFileSync(file, 'utf8'))
    } catch {
      throw new UsageError(`cannot read ${file} as JSON`)
    }
    const result = checkProof(value, key, nativeCrypto)
    if (flag(args, 'json')) printJson(result)
    else if (result.ok && result.kind === 'inclusion') process.stdout.write(`OK: sequence ${result.sequence} is in the tree of size ${result.treeSize} signed by ${key} (checkpoint at sequence ${result.checkpointSequence})\n`)
    else if (result.ok) process.stdout.write(`OK: the tree of size ${result.newSize} extends the tree of size ${result.oldSize}, both signed by ${key}\n`)
    else process.stdout.write(`FAILED: ${result.reason}\n`)
    return result.ok ? EXIT.ok : EXIT.failed
  },
}
