/** model-ledger reproduce: re-runs a recorded deterministic job and compares checkpoints with the log. */
import { blobDir, createBlobStore } from '../../../infrastructure/blobs/blob-store.js'
import { openReadOnly } from '../../../infrastructure/data-dir.js'
import { executorsOf } from '../../../trainer/open.js'
import { foldLog, reproduce } from '../../../trainer/reproduce.js'
import { CommandFailed, EXIT, flag, parse, printJson, required, str, strs, type Command } from '../io.js'

export const reproduceCommand: Command = {
  name: 'reproduce',
  summary: 're-run a recorded training job and check its checkpoints against the log',
  usage: `model-ledger reproduce --data DIR --job ID [--process NAME=COMMAND]... [--json]

Reads the log of DIR (read-only), rebuilds job ID's manifest and checks its recorded hash,
verifies the dataset again, re-runs the executor in a scratch directory and reports, checkpoint
by checkpoint, whether the hashes match the log. Exit 0 when everything matches, 1 otherwise.`,
  async run(argv) {
    const args = parse(argv, { data: { type: 'string' }, job: { type: 'string' }, process: { type: 'string', multiple: true }, json: { type: 'boolean' } })
    const dir = required(str(args, 'data'), '--data')
    const jobId = required(str(args, 'job'), '--job')
    const backend = openReadOnly(dir)
    const state = await foldLog(backend).finally(() => backend.close())
    const json = flag(args, 'json')
    const result = await reproduce(state, jobId, createBlobStore(blobDir(dir)), executorsOf(strs(args, 'process')), (c) => {
      if (!json) process.stdout.write(`step ${c.step}: ${c.recorded === c.reproduced ? 'match' : 'MISMATCH'} ${c.reproduced}${c.recorded === c.reproduced ? '' : ` (log: ${c.recorded ?? 'none'})`}\n`)
    })
    if (json) printJson(result)
    else process.stdout.write(`manifest ${result.manifestMatches ? 'matches' : 'DIFFERS from'} the recorded hash; ${result.matches ? 'reproduced' : 'NOT reproduced'}\n`)
    if (!result.matches) throw new CommandFailed('the re-run does not match the log', EXIT.failed)
    return EXIT.ok
  },
}
