#!/usr/bin/env node
/**
 * The model-ledger command line. Exit codes: 0 ok, 1 a check failed, 2 usage error, 3 any other error.
 *
 * Commands are imported only when run: `--help`, `--version` and the small commands start without
 * loading express, pg or the gateway (registry.ts).
 */
import { setFlagsFromString } from 'node:v8'
import { packageVersion } from '../../infrastructure/package-info.js'
import { CommandFailed, EXIT, UsageError } from './io.js'
import { COMMANDS } from './registry.js'

function overview(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length))
  return [
    'usage: model-ledger <command> [options]   (model-ledger <command> --help for its options)',
    '       model-ledger --version',
    '',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'exit codes: 0 ok, 1 a check failed, 2 usage error, 3 other error',
  ].join('\n')
}


function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.split('\n')[0] ?? 'unknown error'
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${overview()}\n`)
    return name === undefined ? EXIT.usage : EXIT.ok
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`model-ledger ${packageVersion()}\n`)
    return EXIT.ok
  }
  const entry = COMMANDS.find((candidate) => candidate.name === name)
  if (entry === undefined) {
    process.stderr.write(`model-ledger: unknown command ${JSON.stringify(name)}\n${overview()}\n`)
    return EXIT.usage
  }
  try {
    const command = await entry.load()
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(`${command.usage}\n`)
      return EXIT.ok
    }
    for (const option of command.v8Flags ?? []) setFlagsFromString(option)
    return await command.run(rest)
  } catch (error) {
    process.stderr.write(`model-ledger ${name}: ${oneLine(error)}\n`)
    if (error instanceof UsageError) return EXIT.usage
    if (error instanceof CommandFailed) return error.exitCode
    return EXIT.error
  }
}

/**
 * Once a command has returned, the process ends: normally by itself, and within EXIT_GRACE_MS
 * even if something it opened (a timer, a socket, a worker) would keep it alive. So a fatal error
 * at start never leaves a process that printed its error and hangs.
 */
const EXIT_GRACE_MS = 2_000

function finish(code: number): void {
  process.exitCode = code
  setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref()
}

main(process.argv.slice(2)).then(finish, (error: unknown) => {
  process.stderr.write(`model-ledger: ${oneLine(error)}\n`)
  finish(EXIT.error)
})
