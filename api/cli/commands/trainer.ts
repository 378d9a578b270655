/**
 * model-ledger trainer: runs training jobs from the ledger in DIR with the trainer's own key
 * (DIR/keys/trainer.key), until SIGINT/SIGTERM, or with --once until no job is left.
 */
import { tokens } from '../../../domain/governance/amounts.js'
import { inProcessLedger } from '../../../trainer/ledger.js'
import { lineageSink } from '../../../trainer/lineage.js'
import { executorsOf, openTrainerDir } from '../../../trainer/open.js'
import { createTrainer } from '../../../trainer/trainer.js'
import { EXIT, flag, parse, positiveInt, progress, required, str, strs, type Command } from '../io.js'

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve())
    process.once('SIGTERM', () => resolve())
  })
}

export const trainerCommand: Command = {
  name: 'trainer',
  summary: 'run training jobs from the ledger and record their checkpoints (docs/trainer.md)',
  usage: `model-ledger trainer --data DIR [--once] [--process NAME=COMMAND]... [--lineage FILE|URL]
                     [--lease-ms N] [--progress-ms N] [--timeout-ms N] [--stake OPEN] [--quiet]

Follows the log of DIR, claims every job it can run with the key DIR/keys/trainer.key (created on
first start with the ledger's passphrase), runs it and records checkpoints, evaluation,
attribution and the end. Jobs run with the built-in reference executor or with a configured
process executor (--process torch="/usr/bin/python3 trainer/workers/torch_worker.py" runs jobs
whose executor is process:torch). --lineage appends OpenLineage run events to a file or POSTs
them to a URL. --once runs the jobs available now and exits. A progress bar shows on a terminal.
Claiming needs the trainer role: --stake OPEN locks that much of the key's OPEN as a trainer stake
on start when it holds none (send the key OPEN first; its public key is in DIR/keys/trainer.key).`,
  async run(argv) {
    const args = parse(argv, { data: { type: 'string' }, once: { type: 'boolean' }, process: { type: 'string', multiple: true }, lineage: { type: 'string' }, 'lease-ms': { type: 'string' }, 'progress-ms': { type: 'string' }, 'timeout-ms': { type: 'string' }, stake: { type: 'string' }, quiet: { type: 'boolean' } })
    const stake = positiveInt(str(args, 'stake'), '--stake')
    const dir = required(str(args, 'data'), '--data')
    const opened = await openTrainerDir(dir)
    const bar = progress('training', flag(args, 'quiet'))
    const trainer = createTrainer({
      ledger: inProcessLedger(opened.store, opened.signer),
      blobs: opened.blobs,
      workRoot: opened.workRoot,
      leaseMs: positiveInt(str(args, 'lease-ms'), '--lease-ms') ?? 60_000,
      ...(stake === undefined ? {} : { stake: tokens(stake) }),
      progressMs: positiveInt(str(args, 'progress-ms'), '--progress-ms') ?? 2_000,
      lineage: lineageSink(str(args, 'lineage')),
      executors: executorsOf(strs(args, 'process'), positiveInt(str(args, 'timeout-ms'), '--timeout-ms')),
      onProgress: (_job, r) => bar.update(r.step, r.totalSteps),
      onError: (error) => {
        if (!flag(args, 'quiet')) process.stderr.write(`trainer: ${(error as Error).message.split('\n')[0] ?? 'error'}; trying again\n`)
      },
      onJob: (job, outcome) => {
        bar.stop()
        if (!flag(args, 'quiet')) process.stdout.write(`job ${job.id} ${outcome}\n`)
      },
    })
    try {
      if (flag(args, 'once')) await trainer.runOnce()
      else {
        void trainer.start()
        await waitForSignal()
        await trainer.stop()
      }
    } finally {
      bar.stop()
      await opened.close()
    }
    return EXIT.ok
  },
}
