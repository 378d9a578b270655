import { DirLockedError } from '../../../infrastructure/dir-lock.js'
import { rotateLedgerKey } from '../../../infrastructure/key-rotation.js'
import { readPassphrase } from '../../../infrastructure/keys/index.js'
import { openBackend } from '../../../infrastructure/store/open-store.js'
import { CommandFailed, EXIT, flag, parse, printJson, required, str, type Command } from '../io.js'

export const rotateKeyCommand: Command = {
  name: 'rotate-key',
  summary: 'hand the ledger\'s signing to a new key: a rotation event and a checkpoint both keys sign',
  usage: `model-ledger rotate-key --data DIR [--store URL] [--passphrase-file FILE] [--json]

Creates a new ledger key (encrypted with the same passphrase as keys/ledger.key), appends a
LedgerKeyRotated event signed by the key in force with the new key's signed statement, and a
checkpoint whose note both keys sign; from then on the new key signs. The new key replaces
keys/ledger.key; keys/ledger-keys.json lists every key the log has used. keys/ledger.pub, the
ledger's id that auditors trust, does not change. Refused while serve (or any writer) holds DIR:
stop it, rotate, start it again. --store: the log is elsewhere, as for serve (stop every
instance first; copy the new keys/ledger.key to each instance's data directory after).`,
  async run(argv) {
    const args = parse(argv, { data: { type: 'string' }, store: { type: 'string' }, 'passphrase-file': { type: 'string' }, json: { type: 'boolean' } })
    const data = required(str(args, 'data'), '--data')
    const file = str(args, 'passphrase-file')
    const passphrase = file === undefined ? undefined : await readPassphrase({ file })
    let result
    try {
      const url = str(args, 'store')
      result = await rotateLedgerKey(data, { ...(passphrase === undefined ? {} : { passphrase }), ...(url === undefined ? {} : { backend: openBackend(url, data) }) })
    } catch (error) {
      if (error instanceof DirLockedError) throw new CommandFailed(`${error.message}; rotate-key needs the directory to itself`, EXIT.failed)
      throw error
    }
    if (flag(args, 'json')) {
      printJson({ previousKey: result.previousKey, newKey: result.newKey, rotationSequence: result.rotation.sequence, checkpointSequence: result.rotation.sequence + 1, keys: result.keys })
      return EXIT.ok
    }
    process.stdout.write(
      [
        `rotated the ledger key at sequence ${result.rotation.sequence} (checkpoint signed by both keys at ${result.rotation.sequence + 1})`,
        `previous key  ${result.previousKey}`,
        `new key       ${result.newKey}`,
        `ledger id     ${result.keys[0]?.publicKey ?? ''} (unchanged; auditors keep trusting it)`,
      ].join('\n') + '\n',
    )
    return EXIT.ok
  },
}
