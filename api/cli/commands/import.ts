import { mkdir, writeFile } from 'node:fs/promises'
import { importBundle, ImportRefused } from '../../../infrastructure/bundle/import.js'
import { layout } from '../../../infrastructure/data-dir.js'
import { lockDataDir } from '../../../infrastructure/dir-lock.js'
import { CommandFailed, EXIT, flag, parse, printJson, progress, publicKeyArg, required, str, type Command } from '../io.js'

export const importCommand: Command = {
  name: 'import',
  summary: 'rebuild a store from a bundle, verifying it first',
  usage: `model-ledger import --bundle FILE --data DIR [--key HEX|FILE] [--json]

Verifies the whole bundle before writing anything and builds the store in a temporary file that
is renamed into place only when complete; a bad bundle leaves DIR untouched. The new directory
holds the store and the ledger's public key, not its secret key.`,
  async run(argv) {
    const args = parse(argv, { bundle: { type: 'string' }, data: { type: 'string' }, key: { type: 'string' }, json: { type: 'boolean' } })
    const bundle = required(str(args, 'bundle'), '--bundle')
    const data = required(str(args, 'data'), '--data')
    const keyArg = str(args, 'key')
    const json = flag(args, 'json')
    const paths = layout(data)
    await mkdir(paths.keys, { recursive: true, mode: 0o700 })
    // A writer (serve, trainer) on DIR is refused here, before the bundle is read.
    const lock = lockDataDir(data, 'import')
    const bar = progress('verifying', json)
    try {
      const report = await importBundle(bundle, paths.ledgerDb, {
        ...(keyArg === undefined ? {} : { trustedKey: publicKeyArg(keyArg) }),
        onProgress: (done, total) => bar.update(done, total),
      })
      bar.stop()
      await writeFile(paths.ledgerPub, `${report.ledgerPublicKey ?? ''}\n`)
      if (json) printJson({ imported: true, data, report })
      else {
        process.stdout.write(`imported ${report.summary?.events ?? 0} events into ${paths.ledgerDb}\n`)
        for (const warning of report.warnings) process.stdout.write(`warning: ${warning}\n`)
      }
      return EXIT.ok
    } catch (error) {
      if (error instanceof ImportRefused) {
        const reason = error.report?.failure === null || error.report === undefined ? error.message : `${error.message}: ${error.report.failure.reason} (sequence ${error.report.failure.sequence ?? '-'})`
        if (json) printJson({ imported: false, reason, report: error.report ?? null })
        throw new CommandFailed(`import refused, nothing written: ${reason}`, EXIT.failed)
      }
      throw error
    } finally {
      bar.stop()
      lock.release()
    }
  },
}
