/**
 * `model-ledger verify`: the command, which runs the verification on a thread of its own
 * (verify-thread.ts running verify-run.ts) and prints its report. This module imports only what
 * that takes, so the thread that waits holds none of the verifier's code.
 */
import { spawnSibling } from '../../../infrastructure/worker.js'
import type { VerifyReport } from '../../../infrastructure/verify/verifier.js'
import { keyLines } from '../format.js'
import { CommandFailed, EXIT, flag, parse, printJson, progress, UsageError, type Command } from '../io.js'

function describe(report: VerifyReport, seconds: number): string {
  const lines: string[] = []
  if (report.ok && report.summary !== null) {
    const s = report.summary
    const rate = seconds > 0 ? Math.round(s.events / seconds) : s.events
    lines.push(`OK: ${s.events} events, ${s.commands} commands, ${s.anchors} anchors, ${s.streams} streams verified in ${seconds.toFixed(2)} s (${rate} events/s)`)
    lines.push(`ledger key   ${report.ledgerPublicKey} (${report.keySource === 'trusted' ? 'the key you gave' : 'taken from the log, unconfirmed'})`)
    if (s.keys.length > 1) lines.push(keyLines(s.keys).trimEnd())
    lines.push(`head         ${s.head.sequence} ${s.head.hash}`)
    lines.push(`last anchor  ${s.lastAnchor.sequence} ${s.lastAnchor.hash}`)
    if (report.redecided !== null) lines.push(`re-decided   ${report.redecided} commands: every recorded event is what the rules give`)
  } else if (report.failure !== null) {
    const where = report.failure.sequence === null ? `line ${report.failure.line}` : `sequence ${report.failure.sequence} (line ${report.failure.line})`
    lines.push(`FAILED at ${where}: ${report.failure.reason}`)
  }
  for (const warning of report.warnings) lines.push(`warning: ${warning}`)
  return lines.join('\n')
}

export const VERIFY_OPTIONS = {
  data: { type: 'string' },
  bundle: { type: 'string' },
  key: { type: 'string' },
  'trusted-anchor': { type: 'string', multiple: true },
  checkpoint: { type: 'string', multiple: true },
  witness: { type: 'string', multiple: true },
  'min-witnesses': { type: 'string' },
  workers: { type: 'string' },
  crypto: { type: 'string' },
  full: { type: 'boolean' },
  json: { type: 'boolean' },
} as const

/**
 * The verification runs on a thread of its own so that its heap can be sized for a long stream
 * of short-lived lines: a young generation of 3 MB (semi-spaces of 1 MB) instead of V8's default
 * of up to 48 MB, and (VERIFY_V8_FLAGS, process-wide, set by the CLI before the command runs) an
 * old generation that grows by 20% over what survived its last collection rather than by up to
 * 4×. What verification keeps is small and grows only with streams and commands
 * (domain/ledger/chain-check.ts), so its resident memory then follows what it keeps; neither
 * setting is a hard limit, so a larger log takes more memory instead of failing. Measured in
 * docs/performance.md ("Scale").
 */
const VERIFY_THREAD_LIMITS = { maxYoungGenerationSizeMb: 3 }
export const VERIFY_V8_FLAGS = ['--heap-growing-percent=20'] as const

interface ThreadMessage {
  readonly progress?: readonly [number, number]
  readonly report?: VerifyReport
  readonly error?: { readonly message: string; readonly usage: boolean; readonly exitCode?: number }
}

/** Runs `runVerification(argv)` on a thread (verify-thread.ts), relaying its progress; rejects with its error. */
function verifyInThread(argv: string[], onProgress: (done: number, total: number) => void): Promise<VerifyReport> {
  const thread = spawnSibling(import.meta.url, 'verify-thread', { argv }, VERIFY_THREAD_LIMITS)
  return new Promise<VerifyReport>((resolve, reject) => {
    let settled = false
    const settle = (outcome: () => void): void => {
      if (settled) return
      settled = true
      outcome()
      void thread.terminate()
    }
    thread.on('message', (message: ThreadMessage) => {
      if (message.progress !== undefined) onProgress(message.progress[0], message.progress[1])
      const { report, error } = message
      if (report !== undefined) settle(() => resolve(report))
      if (error !== undefined) settle(() => reject(error.usage ? new UsageError(error.message) : error.exitCode === undefined ? new Error(error.message) : new CommandFailed(error.message, error.exitCode)))
    })
    thread.on('error', (error) => settle(() => reject(error)))
    thread.on('exit', (code) => settle(() => reject(new Error(`the verification thread ended (exit code ${code}) without a report`))))
  })
}

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'verify every signature, hash, chain link, sequence, stream version and anchor',
  usage: `model-ledger verify (--data DIR | --bundle FILE) [--key HEX|FILE] [--trusted-anchor FILE]... [--checkpoint NOTE [--witness VKEY]... [--min-witnesses N]]... [--full] [--workers N] [--crypto native|reference] [--json]

Exits 0 only if the whole log holds; 1 names the first bad sequence and why.
--key             the ledger public key you trust; without it the key is taken from the log and reported as unconfirmed
--trusted-anchor  an anchor envelope you kept earlier (model-ledger head --anchor); the log must still contain it
--checkpoint      a checkpoint note kept earlier or fetched from a witness (/tlog/checkpoint): the log's
                  tree of that size must have that root, or the log is named a fork; the note must be
                  signed by the key in force at its checkpoint (the trusted key, or one it rotated to)
--witness         a witness's vkey (name+keyid+base64, type 0x04); a --checkpoint counts only with
--min-witnesses   N valid cosignatures by distinct witnesses given (default: 1 when --witness is given)
--full            also re-decide every command against the replayed state: vote weights, slashes,
                  reward maps and every other derived fact must come out exactly as recorded
--workers         threads for signature checks (default: one per core)`,
  v8Flags: VERIFY_V8_FLAGS,
  async run(argv) {
    // Unknown or malformed options are refused here, before a thread starts.
    const json = flag(parse(argv, VERIFY_OPTIONS), 'json')
    const bar = progress('verifying', json)
    const started = performance.now()
    let report: VerifyReport
    try {
      report = await verifyInThread(argv, (done, total) => bar.update(done, total))
    } finally {
      bar.stop()
    }
    const seconds = (performance.now() - started) / 1000
    if (json) printJson({ ...report, seconds })
    else process.stdout.write(`${describe(report, seconds)}\n`)
    return report.ok ? EXIT.ok : EXIT.failed
  },
}
