import { openReadOnly } from '../../../infrastructure/data-dir.js'
import { CommandFailed, EXIT, flag, parse, printJson, required, str, type Command } from '../io.js'

export const headCommand: Command = {
  name: 'head',
  summary: 'show the head of the log and its latest anchor',
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
      if (flag(args, 'json')) printJson({ ledgerPublicKey, head, lastAnchor: anchor ?? null })
      else {
        process.stdout.write(`ledger key   ${ledgerPublicKey ?? '-'}\nhead         ${head.sequence} ${head.hash} ${head.recordedAt ?? ''}\n`)
        process.stdout.write(`last anchor  ${anchor === undefined ? 'none yet' : `${anchor.sequence} ${anchor.hash}`}\n`)
      }
      return EXIT.ok
    } finally {
      await backend.close()
    }
  },
}
