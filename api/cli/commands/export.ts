import { exportBundle } from '../../../infrastructure/bundle/export.js'
import { openReadOnly } from '../../../infrastructure/data-dir.js'
import { EXIT, flag, parse, printJson, progress, required, str, type Command } from '../io.js'

export const exportCommand: Command = {
  name: 'export',
  summary: 'write the whole log as a portable bundle (JSON lines)',
  usage: `model-ledger export --data DIR --out FILE [--json]

Writes the header, every signed command and every event in order, anchors included. The file
appears only when complete. It needs no key: the bundle carries signatures, not secrets.`,
  async run(argv) {
    const args = parse(argv, { data: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } })
    const data = required(str(args, 'data'), '--data')
    const out = required(str(args, 'out'), '--out')
    const json = flag(args, 'json')
    const backend = openReadOnly(data)
    const bar = progress('exporting', json)
    try {
      const head = await backend.head()
      const result = await exportBundle(backend, out, (lines) => bar.update(Math.min(lines, head.sequence), head.sequence))
      bar.stop()
      if (json) printJson({ out, ...result, head })
      else process.stdout.write(`wrote ${out}: ${result.lines} lines, ${result.bytes} bytes, head ${head.sequence}\n`)
      return EXIT.ok
    } finally {
      bar.stop()
      await backend.close()
    }
  },
}
