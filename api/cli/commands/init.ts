import { initDataDir } from '../../../infrastructure/data-dir.js'
import { readPassphrase } from '../../../infrastructure/keys/index.js'
import { EXIT, flag, parse, printJson, required, str, type Command } from '../io.js'

export const initCommand: Command = {
  name: 'init',
  summary: 'create a data directory: encrypted ledger key, store and config',
  usage: `model-ledger init --data DIR [--passphrase-file FILE] [--json]

The ledger key is encrypted with the passphrase from --passphrase-file, MODEL_LEDGER_PASSPHRASE_FILE
or MODEL_LEDGER_PASSPHRASE. With none of them, a random passphrase is written to DIR/keys/passphrase
(mode 0600): development mode, never for production. Running init again changes nothing. A
directory without keys/ledger.key that still has keys/ledger.pub, keys/passphrase or a ledger.db
bound to a ledger is refused before anything is written: restore the key instead.`,
  async run(argv) {
    const args = parse(argv, { data: { type: 'string' }, 'passphrase-file': { type: 'string' }, json: { type: 'boolean' } })
    const data = required(str(args, 'data'), '--data')
    const file = str(args, 'passphrase-file')
    const passphrase = file === undefined ? undefined : await readPassphrase({ file })
    const result = await initDataDir(data, passphrase === undefined ? {} : { passphrase })
    if (flag(args, 'json')) {
      printJson({ created: result.created, data, publicKey: result.publicKey, keyFile: result.layout.ledgerKey, developmentPassphrase: result.developmentPassphrase })
      return EXIT.ok
    }
    const lines = [
      result.created ? `initialised ${data}` : `${data} was already initialised; nothing changed`,
      `ledger public key  ${result.publicKey}`,
      `key file           ${result.layout.ledgerKey} (encrypted)`,
      `public key file    ${result.layout.ledgerPub}`,
    ]
    if (result.developmentPassphrase) lines.push(`passphrase         ${result.layout.devPassphrase} (development mode: set MODEL_LEDGER_PASSPHRASE_FILE in production)`)
    process.stdout.write(`${lines.join('\n')}\n`)
    return EXIT.ok
  },
}
