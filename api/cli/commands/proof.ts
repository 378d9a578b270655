import { readFileSync } from 'node:fs'
import { checkInclusionProof } from '../../../domain/ledger/proof.js'
import { nativeCrypto } from '../../../infrastructure/crypto/native.js'
import { openReadOnly } from '../../../infrastructure/data-dir.js'
import { buildInclusionProof, ProofUnavailable } from '../../../infrastructure/proofs/build-proof.js'
import { CommandFailed, EXIT, flag, parse, positiveInt, printJson, publicKeyArg, required, str, UsageError, type Command } from '../io.js'

export const proofCommand: Command = {
  name: 'proof',
  summary: 'print the inclusion proof of one event (JSON)',
  usage: `model-ledger proof --data DIR --sequence N

Prints the event, the anchor that covers it and the merkletreejs path from the event's leaf to the
anchor's root. Check it offline with: model-ledger verify-proof FILE --key PUBKEY`,
  async run(argv) {
    const args = parse(argv, { data: { type: 'string' }, sequence: { type: 'string' } })
    const data = required(str(args, 'data'), '--data')
    const sequence = positiveInt(required(str(args, 'sequence'), '--sequence'), '--sequence') ?? 0
    const backend = openReadOnly(data)
    try {
      printJson(await buildInclusionProof(backend, sequence))
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
  summary: 'check an inclusion proof offline against the ledger key',
  usage: `model-ledger verify-proof FILE --key HEX|FILE [--json]

Checks the event's and the anchor's hashes and signatures under the key you give (never the key
the proof names), that the anchor covers the event, and the Merkle path with merkletreejs.`,
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
    const result = checkInclusionProof(value, key, nativeCrypto)
    if (flag(args, 'json')) printJson(result)
    else if (result.ok) process.stdout.write(`OK: sequence ${result.sequence} is under the anchor at sequence ${result.anchorSequence}, signed by ${key}\n`)
    else process.stdout.write(`FAILED: ${result.reason}\n`)
    return result.ok ? EXIT.ok : EXIT.failed
  },
}
