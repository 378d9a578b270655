#!/usr/bin/env node
/** The model-ledger command line. Exit codes: 0 ok, 1 a check failed, 2 usage error, 3 any other error. */
import { isLedgerError } from '../../domain/ledger/errors.js'
import { isKeyFileError } from '../../infrastructure/keys/index.js'
import { demoCommand } from './commands/demo.js'
import { exportCommand } from './commands/export.js'
import { headCommand } from './commands/head.js'
import { importCommand } from './commands/import.js'
import { initCommand } from './commands/init.js'
import { keygenCommand } from './commands/keygen.js'
import { migrateCommand } from './commands/migrate.js'
import { proofCommand, verifyProofCommand } from './commands/proof.js'
import { projectionsCommand } from './commands/projections.js'
import { reproduceCommand } from './commands/reproduce.js'
import { serveCommand } from './commands/serve.js'
import { trainerCommand } from './commands/trainer.js'
import { verifyCommand } from './commands/verify.js'
import { lineageCommand, verifyReportCommand } from './commands/lineage.js'
import { mcpCommand } from './commands/mcp.js'
import { CommandFailed, EXIT, UsageError, type Command } from './io.js'

const commands: readonly Command[] = [initCommand, serveCommand, demoCommand, keygenCommand, headCommand, verifyCommand, exportCommand, importCommand, migrateCommand, proofCommand, verifyProofCommand, projectionsCommand, trainerCommand, reproduceCommand, lineageCommand, verifyReportCommand, mcpCommand]

function overview(): string {
  const width = Math.max(...commands.map((command) => command.name.length))
  return [
    'usage: model-ledger <command> [options]   (model-ledger <command> --help for its options)',
    '',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
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
  const command = commands.find((candidate) => candidate.name === name)
  if (command === undefined) {
    process.stderr.write(`model-ledger: unknown command ${JSON.stringify(name)}\n${overview()}\n`)
    return EXIT.usage
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`)
    return EXIT.ok
  }
  try {
    return await command.run(rest)
  } catch (error) {
    process.stderr.write(`model-ledger ${name}: ${oneLine(error)}\n`)
    if (error instanceof UsageError) return EXIT.usage
    if (error instanceof CommandFailed) return error.exitCode
    if (isLedgerError(error) || isKeyFileError(error)) return EXIT.error
    return EXIT.error
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`model-ledger: ${oneLine(error)}\n`)
    process.exitCode = EXIT.error
  },
)
