import { anchorData, checkpointNote, noteVerifierKey } from '../../../domain/ledger/anchor.js'
import { nativeSha256 } from '../../../infrastructure/crypto/native.js'
import { openReadOnly } from '../../../infrastructure/data-dir.js'
import { Proofs, ProofUnavailable } from '../../../infrastructure/proofs/build-proof.js'
import { CommandFailed, EXIT, flag, parse, positiveInt, printJson, required, str, type Command } from '../io.js'

export const checkpointCommand: Command = {
  name: 'checkpoint',
  summary: 'print the latest checkpoint as a C2SP signed note (or its verifier key)',
  usage: `model-ledger checkpoint --data DIR [--size S] [--vkey] [--json]

Prints the latest checkpoint (or the one of tree size S) as a C2SP signed note: origin, tree
size, base64 root, a blank line and the ledger's signature line(s). Any C2SP note verifier
checks it with the key --vkey prints (origin+keyhash+base64 key).`,
  async run(argv) {
    const args = parse(argv, { data: { type: 'string' }, size: { type: 'string' }, vkey: { type: 'boolean' }, json: { type: 'boolean' } })
    const backend = openReadOnly(required(str(args, 'data'), '--data'))
    try {
      let envelope
      try {
        envelope = await new Proofs(backend).checkpoint(positiveInt(str(args, 'size'), '--size'))
      } catch (error) {
        if (error instanceof ProofUnavailable) throw new CommandFailed(error.message, EXIT.failed)
        throw error
      }
      const data = anchorData(envelope)
      if (data === undefined) throw new CommandFailed(`the event at sequence ${envelope.sequence} is not a checkpoint of this format`, EXIT.failed)
      const vkeys = data.signatures.map((entry) => noteVerifierKey(data.origin, entry.key, nativeSha256))
      const note = checkpointNote(data, nativeSha256)
      if (flag(args, 'json')) printJson({ sequence: envelope.sequence, origin: data.origin, treeSize: data.treeSize, root: data.root, note, vkeys })
      else process.stdout.write(flag(args, 'vkey') ? `${vkeys.join('\n')}\n` : note)
      return EXIT.ok
    } finally {
      await backend.close()
    }
  },
}
