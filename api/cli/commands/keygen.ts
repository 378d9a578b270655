import { createKeyFile, readPassphrase } from '../../../infrastructure/keys/index.js'
import { EXIT, flag, parse, printJson, required, str, type Command } from '../io.js'

export const keygenCommand: Command = {
  name: 'keygen',
  summary: 'create an encrypted Ed25519 key file for an actor (governor, contributor, validator, trainer)',
  usage: `model-ledger keygen --out FILE [--label NAME] [--passphrase-file FILE] [--json]

The passphrase comes from --passphrase-file, MODEL_LEDGER_PASSPHRASE_FILE or MODEL_LEDGER_PASSPHRASE.
Prints the public key; the secret never leaves the encrypted file. Refuses to overwrite FILE.`,
  async run(argv) {
    const args = parse(argv, { out: { type: 'string' }, label: { type: 'string' }, 'passphrase-file': { type: 'string' }, json: { type: 'boolean' } })
    const out = required(str(args, 'out'), '--out')
    const file = str(args, 'passphrase-file')
    const passphrase = await readPassphrase(file === undefined ? {} : { file })
    const info = await createKeyFile(out, passphrase, { label: str(args, 'label') ?? 'actor' })
    if (flag(args, 'json')) printJson({ out, ...info })
    else process.stdout.write(`wrote ${out}\npublic key  ${info.publicKey}\nkey id      ${info.keyId}\n`)
    return EXIT.ok
  },
}
