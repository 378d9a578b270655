/**
 * The commands the CLI knows, each with its summary and a loader: a command's module (and what it
 * imports: express, pg, the gateway) is imported only when that command runs.
 */
import type { Command } from './io.js'

export interface Entry {
  readonly name: string
  readonly summary: string
  readonly load: () => Promise<Command>
}

export const COMMANDS: readonly Entry[] = [
  { name: 'init', summary: 'create a data directory: encrypted ledger key, store and config', load: async () => (await import('./commands/init.js')).initCommand },
  { name: 'serve', summary: 'serve the HTTP API on a data directory (--port 0 picks a free port)', load: async () => (await import('./commands/serve.js')).serveCommand },
  { name: 'genesis', summary: 'establish the genesis of a fresh ledger from a file or flags: treasury, allocations, parameters', load: async () => (await import('./commands/genesis.js')).genesisCommand },
  { name: 'demo', summary: 'run the model lifecycle end to end on a fresh embedded ledger, then verify it', load: async () => (await import('./commands/demo.js')).demoCommand },
  { name: 'keygen', summary: 'create an encrypted Ed25519 key file for an actor (governor, contributor, validator, trainer)', load: async () => (await import('./commands/keygen.js')).keygenCommand },
  { name: 'rotate-key', summary: "hand the ledger's signing to a new key: a rotation event and a checkpoint both keys sign", load: async () => (await import('./commands/rotate-key.js')).rotateKeyCommand },
  { name: 'head', summary: 'show the head of the log, its latest anchor and its signing keys', load: async () => (await import('./commands/head.js')).headCommand },
  { name: 'verify', summary: 'verify every signature, hash, chain link, sequence, stream version and anchor', load: async () => (await import('./commands/verify.js')).verifyCommand },
  { name: 'snapshot', summary: "list the economy fold's snapshots, check one against a replay of the log, or write one now", load: async () => (await import('./commands/snapshot.js')).snapshotCommand },
  { name: 'export', summary: 'write the whole log as a portable bundle (JSON lines)', load: async () => (await import('./commands/export.js')).exportCommand },
  { name: 'import', summary: 'rebuild a store from a bundle, verifying it first', load: async () => (await import('./commands/import.js')).importCommand },
  { name: 'migrate', summary: 'move a ledger to another store (export, verify, import, verify)', load: async () => (await import('./commands/migrate.js')).migrateCommand },
  { name: 'checkpoint', summary: 'print the latest checkpoint as a C2SP signed note (or its verifier key)', load: async () => (await import('./commands/checkpoint.js')).checkpointCommand },
  { name: 'proof', summary: 'print an inclusion or consistency proof (JSON)', load: async () => (await import('./commands/proof.js')).proofCommand },
  { name: 'verify-proof', summary: 'check an inclusion or consistency proof offline against the ledger key', load: async () => (await import('./commands/proof.js')).verifyProofCommand },
  { name: 'projections', summary: 'read models: status (checkpoint, lag), rebuild from zero, show (optionally as of a sequence or time)', load: async () => (await import('./commands/projections.js')).projectionsCommand },
  { name: 'trainer', summary: 'run training jobs from the ledger and record their checkpoints (docs/trainer.md)', load: async () => (await import('./commands/trainer.js')).trainerCommand },
  { name: 'reproduce', summary: 're-run a recorded training job, check it against the log, and optionally attest its evaluation', load: async () => (await import('./commands/reproduce.js')).reproduceCommand },
  { name: 'check-round', summary: 'regenerate every sample of an RLHF round from its checkpoint and check the recorded outputs', load: async () => (await import('./commands/check-round.js')).checkRoundCommand },
  { name: 'audit-answer', summary: "recompute an answer's per-answer attribution from its text and check the receipt's weights", load: async () => (await import('./commands/audit-answer.js')).auditAnswerCommand },
  { name: 'lineage', summary: 'trace a deployment, checkpoint, model, dataset version or contribution to the data, people, licences and decisions behind it', load: async () => (await import('./commands/lineage.js')).lineageCommand },
  { name: 'verify-report', summary: 'check a lineage report offline against the ledger key', load: async () => (await import('./commands/lineage.js')).verifyReportCommand },
  { name: 'console', summary: "write the auditor's console as static files (it verifies every answer in the browser)", load: async () => (await import('./commands/console.js')).consoleCommand },
  { name: 'witness', summary: 'a C2SP tlog-witness: cosign checkpoints of the logs it trusts after checking consistency (docs/witness.md)', load: async () => (await import('./commands/witness.js')).witnessCommand },
  { name: 'mcp', summary: 'an MCP server for agents: each deployment a tool, the ledger head, reward maps and lineage resources', load: async () => (await import('./commands/mcp.js')).mcpCommand },
]
