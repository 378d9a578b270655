/**
 * model-ledger snapshot list | check | write: the economy fold's snapshots (docs/snapshots.md).
 * `check` replays the log to a snapshot's sequence and compares the bytes; it exits 1 naming the
 * first difference (or why the snapshot is refused).
 */
import { economy } from '../../../domain/economy/index.js'
import { openReadOnly } from '../../../infrastructure/data-dir.js'
import { openBackend } from '../../../infrastructure/store/open-store.js'
import { openSnapshotStore, type SnapshotRecord } from '../../../infrastructure/snapshot/store.js'
import { backendReader, replayTo, verifySnapshot, writeSnapshot } from '../../../infrastructure/snapshot/snapshots.js'
import { CommandFailed, EXIT, flag, parse, positiveInt, printJson, required, str, UsageError, type Command } from '../io.js'

const ACTIONS = ['list', 'check', 'write'] as const

export const snapshotCommand: Command = {
  name: 'snapshot',
  summary: "list the economy fold's snapshots, check one against a replay of the log, or write one now",
  usage: `model-ledger snapshot list  --data DIR [--store URL] [--json]
model-ledger snapshot check --data DIR [--store URL] [--sequence N | --all] [--json]
model-ledger snapshot write --data DIR [--store URL] [--keep N]

Snapshots of the economy's folded state (docs/snapshots.md) live in DIR/snapshots, or in the
snapshots table of a postgres:// --store's schema. check replays the log to the snapshot's
sequence (the newest by default) and compares the bytes; it exits 1 naming the mismatch: bytes
that do not hash to the recorded hash, a head hash that is not the log's, or the first character
where the state differs from the replay's. write replays the log to its head and writes a
snapshot there, keeping the newest --keep (default 3).`,
  async run(argv) {
    const args = parse(argv, { data: { type: 'string' }, store: { type: 'string' }, sequence: { type: 'string' }, all: { type: 'boolean' }, json: { type: 'boolean' }, keep: { type: 'string' } }, true)
    const [action, ...extra] = args.positionals
    if (action === undefined || !(ACTIONS as readonly string[]).includes(action) || extra.length > 0) throw new UsageError(`give one of ${ACTIONS.join(', ')}`)
    const dir = required(str(args, 'data'), '--data')
    const url = str(args, 'store')
    const sequence = positiveInt(str(args, 'sequence'), '--sequence')
    if (sequence !== undefined && flag(args, 'all')) throw new UsageError('--sequence and --all exclude each other')
    const keep = positiveInt(str(args, 'keep'), '--keep') ?? 3
    const backend = url === undefined ? openReadOnly(dir) : openBackend(url, dir)
    const snapshots = openSnapshotStore(url, dir)
    try {
      const log = await backendReader(backend)
      const held = await snapshots.list()
      if (action === 'list') {
        if (flag(args, 'json')) printJson(held)
        else if (held.length === 0) process.stdout.write(`no snapshots in ${snapshots.where}\n`)
        else for (const r of held) process.stdout.write(`${r.sequence} ${r.hash} ${r.bytes} bytes\n`)
        return EXIT.ok
      }
      if (action === 'write') {
        const head = await log.headSequence()
        if (head === 0) throw new CommandFailed('the log is empty: nothing to snapshot', EXIT.failed)
        const written = await writeSnapshot({ snapshots, log, vertical: economy.name, fold: await replayTo(economy, log, head), keep })
        process.stdout.write(`snapshot ${written.record.sequence} ${written.record.hash} ${written.record.bytes} bytes in ${snapshots.where}\n`)
        return EXIT.ok
      }
      const chosen: SnapshotRecord[] = flag(args, 'all') ? held : sequence !== undefined ? held.filter((r) => r.sequence === sequence) : held.slice(0, 1)
      if (chosen.length === 0) throw new CommandFailed(sequence === undefined ? `no snapshots in ${snapshots.where}` : `no snapshot at sequence ${sequence} in ${snapshots.where}`, EXIT.failed)
      const verdicts = []
      for (const record of chosen) verdicts.push(await verifySnapshot(record, snapshots, log, economy))
      if (flag(args, 'json')) printJson(verdicts)
      else for (const v of verdicts) process.stdout.write(v.ok ? `OK: snapshot ${v.sequence} (${v.hash}, ${v.bytes} bytes) is the replay of the log to sequence ${v.sequence}\n` : `MISMATCH: snapshot ${v.sequence}: ${v.reason}\n`)
      return verdicts.every((v) => v.ok) ? EXIT.ok : EXIT.failed
    } finally {
      await snapshots.close()
      await backend.close()
    }
  },
}
