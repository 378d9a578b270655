/** Runs a CLI command in process and captures what it prints. */
import { vi } from 'vitest'
import { CommandFailed, EXIT, UsageError, type Command } from '../../api/cli/io.js'

export interface CliRun {
  readonly code: number
  /** What the command wrote to stdout. */
  readonly out: string
  /** The one line main.ts prints on stderr for a failed or misused command ('' otherwise). */
  readonly error: string
}

/** Collects what is written to `stream` into `sink` until restored. */
function collect(stream: NodeJS.WriteStream, sink: string[]): { mockRestore(): void } {
  return vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
    sink.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString())
    return true
  })
}

/** The command's exit code and output: a thrown CommandFailed or UsageError becomes its code and message, as main.ts makes it. */
export async function runCli(command: Pick<Command, 'run'>, argv: readonly string[]): Promise<CliRun> {
  const out: string[] = []
  const stdout = collect(process.stdout, out)
  try {
    return { code: await command.run([...argv]), out: out.join(''), error: '' }
  } catch (error) {
    if (error instanceof CommandFailed) return { code: error.exitCode, out: out.join(''), error: error.message }
    if (error instanceof UsageError) return { code: EXIT.usage, out: out.join(''), error: error.message }
    throw error
  } finally {
    stdout.mockRestore()
  }
}

/** The command's exit code with what it wrote to stdout and stderr; what it throws propagates. */
export async function captureCli(command: Pick<Command, 'run'>, argv: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = []
  const err: string[] = []
  const streams = [collect(process.stdout, out), collect(process.stderr, err)]
  try {
    const code = await command.run([...argv])
    return { code, out: out.join(''), err: err.join('') }
  } finally {
    for (const s of streams) s.mockRestore()
  }
}
