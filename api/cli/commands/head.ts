import { openReadOnly } from '../../../infrastructure/data-dir.js'
import { keyChainOf } from '../../../infrastructure/store/signing-keys.js'
import { keyLines } from '../format.js'
import { CommandFailed, EXIT, flag, parse, printJson, required, str, type Command } from '../io.js'

export const headCommand: Command = {
  name: 'head',
  summary: 'show the head of the log, its latest anchor and its signing keys',
  usage: `model-ledger head --data DIR [--anchor] [--json]

--anchor prints only the latest anchor envelope as JSON: keep it, and later pass it to
verify --trusted-anchor to prove the log was not truncated or rewritten behind it.`,
  async run(argv) {
    const args = parse(argv, { data: { type: 'string' }, anchor: { type: 'boolean' }, json: { type: 'boolean' } })
    const backend = openReadOnly(required(str(args, 'data'), '--data'))
    try {
      const head = await backend.head()
      const last = await backend.lastAnchor()
      const [anchor] = last === undefined ? [] : await backend.readRange(last.sequence, 1)
      if (flag(args, 'anchor')) {
        if (anchor === undefined) throw new CommandFailed('no anchor has been sealed yet', EXIT.failed)
        printJson(anchor)
        return EXIT.ok
      }
      const ledgerPublicKey = (await backend.ledgerKey()) ?? null
      const keys = ledgerPublicKey === null ? [] : await keyChainOf(backend, ledgerPublicKey)
      const signingKey = keys[keys.length - 1] ?? null
      if (flag(args, 'json')) printJson({ ledgerPublicKey, signingKey, keys, head, lastAnchor: anchor ?? null })
      else {
        process.stdout.write(`ledger key   ${ledgerPublicKey ?? '-'}\n`)
        if (keys.length > 1) process.stdout.write(keyLines(keys))
        process.stdout.write(`head         ${head.sequence} ${head.hash} ${head.recordedAt ?? ''}\n`)
        process.stdout.write(`last anchor  ${anchor === undefined ? 'none yet' : `${anchor.sequence} ${anchor.hash}`}\n`)
      }
      return EXIT.ok
    } finally {
      await backend.close()
    }
  },
}

