/** Runs a CLI command in process, as api/cli/main.ts runs it, and captures what it prints. */
import { vi } from 'vitest'
import { CommandFailed, EXIT, UsageError, type Command } from '../../api/cli/io.js'

export interface CliRun {
  readonly code: number
  /** What the command wrote to stdout. */
  readonly out: string
  /** The one line main.ts prints on stderr for a failed or misused command ('' otherwise). */
  readonly error: string
}

/** The command's exit code and output: a thrown CommandFailed or UsageError becomes its code and message, as main.ts makes it. */
export async function runCli(command: Pick<Command, 'run'>, argv: readonly string[]): Promise<CliRun> {
  let out = ''
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString()
    return true
  })
  try {
    return { code: await command.run([...argv]), out, error: '' }
  } catch (error) {
    if (error instanceof CommandFailed) return { code: error.exitCode, out, error: error.message }
    if (error instanceof UsageError) return { code: EXIT.usage, out, error: error.message }
    throw error
  } finally {
    stdout.mockRestore()
  }
}
