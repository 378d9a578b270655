import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { nativeCrypto } from '../../../infrastructure/crypto/native.js'
import { openReadOnly } from '../../../infrastructure/data-dir.js'
import { renderDatasheet } from '../../../projections/lineage/datasheet.js'
import { ProofUnavailable } from '../../../infrastructure/proofs/build-proof.js'
import { TargetNotFound } from '../../../projections/lineage/graph.js'
import { renderLineageHtml } from '../../../projections/lineage/html.js'
import { buildLineageReport, verifyLineageReport, type LineageQuery, type LineageReport } from '../../../projections/lineage/report.js'
import { CommandFailed, EXIT, flag, parse, printJson, publicKeyArg, required, str, UsageError, type Command, type Parsed } from '../io.js'

const HEX64 = /^[0-9a-f]{64}$/

function target(args: Parsed): LineageQuery {
  const version = str(args, 'version')
  const mandate = str(args, 'mandate')
  const contribution = str(args, 'contribution')
  const [id, ...extra] = args.positionals
  if (extra.length > 0 || [id, version, mandate, contribution].filter((v) => v !== undefined).length !== 1) {
    throw new UsageError('give exactly one of ID (a deployment, training job, checkpoint root or mandate), --version DATANET:N, --mandate ID or --contribution HASH')
  }
  if (id !== undefined) {
    if (!HEX64.test(id)) throw new UsageError('the ID is 64 lower-case hex digits: a deployment id, a training job id, a checkpoint root or a mandate id')
    return { kind: 'id', id }
  }
  if (mandate !== undefined) return { kind: 'mandate', mandateId: mandate }
  if (contribution !== undefined) return { kind: 'contribution', contentHash: contribution }
  const match = /^([0-9a-f]{64}):(\d+)$/.exec(version ?? '')
  if (match === null) throw new UsageError('--version takes DATANET_ID:VERSION, e.g. 3fa2…:1')
  return { kind: 'dataset-version', datanetId: match[1] as string, version: Number(match[2]) }
}

export const lineageCommand: Command = {
  name: 'lineage',
  summary: 'trace a deployment, checkpoint, model, dataset version or contribution to the data, people, licences and decisions behind it',
  usage: `model-ledger lineage --data DIR (ID | --version DATANET:N | --mandate ID | --contribution HASH) [--format json|html|datasheet] [--out FILE]

ID is a deployment id, a training job id, a checkpoint root or a mandate id (the model), looked
up in that order: a deployment is traced to the checkpoints it served (rollbacks included), the
job that trained them (config, seed, executor, manifest), its dataset version and every
contribution in it, the mandate and the vote behind it, reward payouts and usage fee payouts.
The report is proven under the latest checkpoint: json (default) is the lineage graph with every
stream it rests on, whole, each event with its inclusion proof (docs/lineage.md); html: the same as a self-contained page with a diagram; datasheet: a
Markdown datasheet for the training data (EU AI Act Annex IV 2(d), Article 10(2)).
--contribution HASH is reverse lineage: every datanet, dataset version, training job,
checkpoint and deployment that used the content.`,
  async run(argv) {
    const args = parse(argv, { data: { type: 'string' }, version: { type: 'string' }, mandate: { type: 'string' }, contribution: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' } }, true)
    const format = str(args, 'format') ?? 'json'
    if (!['json', 'html', 'datasheet'].includes(format)) throw new UsageError('--format is json, html or datasheet')
    const wanted = target(args)
    const backend = openReadOnly(required(str(args, 'data'), '--data'))
    let report: LineageReport
    let later: number
    try {
      report = await buildLineageReport(backend, wanted)
      later = (await backend.head()).sequence - report.head.sequence
    } catch (error) {
      if (error instanceof TargetNotFound || error instanceof ProofUnavailable) throw new CommandFailed(error.message, EXIT.failed)
      throw error
    } finally {
      await backend.close()
    }
    const text = format === 'html' ? renderLineageHtml(report) : format === 'datasheet' ? renderDatasheet(report) : `${JSON.stringify(report, null, 2)}\n`
    const out = str(args, 'out')
    if (out === undefined) process.stdout.write(text)
    else await writeFile(out, text)
    if (later > 0) process.stderr.write(`warning: the report covers the log up to checkpoint #${report.head.sequence}; the ${later} events after it are not under a checkpoint yet\n`)
    return EXIT.ok
  },
}

export const verifyReportCommand: Command = {
  name: 'verify-report',
  summary: 'check a lineage report offline against the ledger key',
  usage: `model-ledger verify-report FILE --key HEX|FILE [--json]

Checks, under the key you give, the report's checkpoint; that each stream the graph rests on is
whole at that checkpoint (its head in the checkpoint's stream-heads map, every event 1..V with its
inclusion proof); and that the graph rebuilt from those events alone is the graph the report states.
After a key rotation, give the genesis key: the report carries the rotations under its checkpoint
(version 3), followed from it, and each event is held to the key in force at its sequence.`,
  async run(argv) {
    const args = parse(argv, { key: { type: 'string' }, json: { type: 'boolean' } }, true)
    const file = args.positionals[0]
    if (file === undefined || args.positionals.length > 1) throw new UsageError('give one report file (the JSON form)')
    const key = publicKeyArg(required(str(args, 'key'), '--key'))
    let report: unknown
    try {
      report = JSON.parse(readFileSync(file, 'utf8')) as unknown
    } catch {
      throw new UsageError(`cannot read ${file} as JSON`)
    }
    let result: ReturnType<typeof verifyLineageReport>
    try {
      result = verifyLineageReport(report, key, nativeCrypto)
    } catch (error) {
      result = { ok: false, problems: [`malformed report: ${(error as Error).message}`] }
    }
    if (flag(args, 'json')) printJson(result)
    else if (result.ok) process.stdout.write(`OK: ${result.streams} streams whole at checkpoint #${result.checkpoint} (tree size ${result.treeSize}) signed by ${key}, ${result.events} events; the graph follows from them\n`)
    else process.stdout.write(`FAILED: ${result.problems.join('; ')}\n`)
    return result.ok ? EXIT.ok : EXIT.failed
  },
}
