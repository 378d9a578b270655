/** What every CLI command shares: usage errors, exit codes, output, progress. */
import { readFileSync } from 'node:fs'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import cliProgress from 'cli-progress'

/** Exit codes, documented in docs/cli.md. */
export const EXIT = { ok: 0, failed: 1, usage: 2, error: 3 } as const

export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** A failure the command already explained; carries the exit code. */
export class CommandFailed extends Error {
  override readonly name = 'CommandFailed'
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message)
  }
}

export interface Command {
  readonly name: string
  readonly summary: string
  readonly usage: string
  /**
   * V8 options the command line sets for the whole process before it runs the command (those V8
   * reads as it goes, such as how far the heap grows): how the command is tuned, not what it does,
   * so a command run in a process of its own (tests) runs the same without them.
   */
  readonly v8Flags?: readonly string[]
  run(argv: string[]): Promise<number>
}

export interface Parsed {
  readonly values: Readonly<Record<string, string | boolean | string[] | boolean[] | undefined>>
  readonly positionals: readonly string[]
}

export function parse(argv: string[], options: NonNullable<ParseArgsConfig['options']>, allowPositionals = false): Parsed {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true })
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0] ?? 'invalid arguments')
  }
}

/** A string option's value; undefined when absent. */
export function str(parsed: Parsed, name: string): string | undefined {
  const value = parsed.values[name]
  return typeof value === 'string' ? value : undefined
}

export function strs(parsed: Parsed, name: string): string[] {
  const value = parsed.values[name]
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : typeof value === 'string' ? [value] : []
}

export function flag(parsed: Parsed, name: string): boolean {
  return parsed.values[name] === true
}

export function required(value: string | undefined, name: string): string {
  if (value === undefined || value === '') throw new UsageError(`${name} is required`)
  return value
}

export function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} takes a whole number`)
  return Number(value)
}

/** A public key given as hex or as the path of a file holding it (such as keys/ledger.pub). */
export function publicKeyArg(value: string): string {
  const hex = /^[0-9a-f]{64}$/
  if (hex.test(value)) return value
  let text: string
  try {
    text = readFileSync(value, 'utf8').trim()
  } catch {
    throw new UsageError(`--key takes 64 hex characters or a file holding them; cannot read ${value}`)
  }
  if (!hex.test(text)) throw new UsageError(`${value} does not hold a 64-character hex public key`)
  return text
}

/** Resolves with the first SIGINT or SIGTERM, then stops listening for them. */
export function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string): void => {
      process.off('SIGINT', on)
      process.off('SIGTERM', on)
      resolve(signal)
    }
    process.on('SIGINT', on)
    process.on('SIGTERM', on)
  })
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

export interface Progress {
  update(done: number, total: number): void
  stop(): void
}

/** A progress bar on a terminal; silent under --json or when stderr is not a TTY. */
export function progress(label: string, quiet: boolean): Progress {
  if (quiet || process.stderr.isTTY !== true) return { update: () => undefined, stop: () => undefined }
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${label} [{bar}] {percentage}% | {value}/{total} | {eta_formatted} left`, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  )
  let started = false
  return {
    update(done, total) {
      if (!started) {
        bar.start(Math.max(total, 1), 0)
        started = true
      }
      bar.setTotal(Math.max(total, done, 1))
      bar.update(done)
    },
    stop() {
      if (started) bar.stop()
    },
  }
}
