import { existsSync, readdirSync } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { checkInclusionProof } from '../../../domain/ledger/proof.js'
import { exportBundle } from '../../../infrastructure/bundle/export.js'
import { bundleFileLines } from '../../../infrastructure/bundle/lines.js'
import { nativeCrypto } from '../../../infrastructure/crypto/native.js'
import { initDataDir, openLedger, openReadOnly } from '../../../infrastructure/data-dir.js'
import { buildInclusionProof } from '../../../infrastructure/proofs/build-proof.js'
import { verifyLines } from '../../../infrastructure/verify/verifier.js'
import { economy } from '../../../domain/economy/index.js'
import { createRedecider } from '../../../domain/ledger/redecide.js'
import { pino } from 'pino'
import { blobDir, createBlobStore } from '../../../infrastructure/blobs/blob-store.js'
import { startServer } from '../../http/server.js'
import { defaultVerticals, economyHandler } from '../../http/verticals.js'
import { gatewayMount, openGateway } from '../../gateway/index.js'
import { createHash } from 'node:crypto'
import { toHex } from '../../../domain/crypto/hex.js'
import { nativeEd25519 } from '../../../infrastructure/crypto/native.js'
import { createClient } from '../../sdk/client.js'
import { CommandFailed, EXIT, flag, parse, printJson, required, str, UsageError, type Command } from '../io.js'
import { createDemoContext } from '../demo/context.js'
import { runLifecycle, type StageReport } from '../demo/stages.js'
import { lmStage, torchMissing, type LmSummary } from '../demo/lm-stage.js'
import { SUMMARY_FILE, writeDemoSummary, type DemoSummary } from '../demo/summary.js'

const MARKER = '.model-ledger-demo'

/** The demo owns its directory: it starts fresh, but never deletes a directory it did not create. */
async function freshDirectory(dir: string): Promise<void> {
  if (!existsSync(dir)) return
  if (readdirSync(dir).length === 0) return
  if (!existsSync(join(dir, MARKER))) throw new UsageError(`${dir} is not empty and was not made by demo; give a new directory`)
  await rm(dir, { recursive: true, force: true })
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run the model lifecycle end to end on a fresh embedded ledger, then verify it',
  usage: `model-ledger demo --data DIR [--lm [--python PATH]] [--json]

Creates a fresh ledger in DIR (replacing an earlier demo there), drives every lifecycle stage
from governance to deployment and usage fees, then exports, verifies and proves the log.

--lm adds the language-model loop: a second mandate, a datanet of labelled notes, a supervised
fine-tune by the PyTorch worker, an RLHF round on the deployed checkpoint's own outputs, a DPO
job on its preferences, and the aligned model served with per-answer attribution. It needs an
interpreter that imports torch: --python (default /usr/bin/python3).`,
  async run(argv) {
    const args = parse(argv, { data: { type: 'string' }, json: { type: 'boolean' }, lm: { type: 'boolean' }, python: { type: 'string' } })
    const dir = required(str(args, 'data'), '--data')
    const json = flag(args, 'json')
    const lm = flag(args, 'lm')
    const python = str(args, 'python') ?? '/usr/bin/python3'
    if (!lm && str(args, 'python') !== undefined) throw new UsageError('--python is for --lm')
    if (lm) {
      const missing = torchMissing(python)
      if (missing !== undefined) throw new CommandFailed(missing)
    }
    await freshDirectory(dir)
    const init = await initDataDir(dir)
    await writeFile(join(dir, MARKER), 'made by model-ledger demo\n')
    const { store, signer } = await openLedger(dir, { purpose: 'demo' })
    // The stages go through the HTTP API, as a client service would, on a server over the fresh ledger.
    // The gateway's operator key is derived from a public seed, like the demo's actors: fine for a demonstration only.
    const operator = nativeEd25519.signer(createHash('sha256').update('model-ledger demo operator').digest())
    // The deployment stage registers the operator itself, through the API like every other actor.
    // One economy handler for the API and the gateway, as `serve` has.
    const handler = economyHandler(store)
    const gateway = await openGateway({ dir, store, signer: operator, flushMs: 0, register: false, handler })
    const server = await startServer({
      store,
      routes: defaultVerticals(store, undefined, handler),
      blobs: createBlobStore(blobDir(dir)),
      logger: pino({ level: 'silent' }),
      limits: { perActor: { perSecond: Infinity, burst: Infinity } },
      mounts: [gatewayMount(gateway)],
    })
    const context = createDemoContext(createClient({ baseUrl: server.url }), signer, dir, {
      url: `${server.url}/openai/v1`,
      operator,
      operatorKey: toHex(operator.publicKey),
      flush: () => gateway.meter.flush(),
    })
    let stages: StageReport[] = []
    let lmSummary: LmSummary | null = null
    try {
      stages = await runLifecycle(context)
      if (lm) {
        const loop = await lmStage(context, { python })
        stages = [...stages, loop.report]
        lmSummary = loop.summary
      }
    } finally {
      await server.close()
      await gateway.close()
      await store.close()
    }
    const backend = openReadOnly(dir)
    const bundle = join(dir, 'ledger.bundle.jsonl')
    try {
      await exportBundle(backend, bundle)
      const report = await verifyLines(bundleFileLines(bundle), { trustedKey: init.publicKey, redecide: (key) => createRedecider(economy, key) })
      const head = await backend.head()
      const proof = head.sequence > 1 ? await buildInclusionProof(backend, 1) : undefined
      const proofCheck = proof === undefined ? undefined : checkInclusionProof(proof, init.publicKey, nativeCrypto)
      const ids = await writeDemoSummary(dir, backend, init.publicKey, bundle, lmSummary)
      const summary = { data: dir, ledgerPublicKey: init.publicKey, stages, bundle, verification: report, proofOfFirstEvent: proofCheck ?? null, ids, summaryFile: join(dir, SUMMARY_FILE) }
      if (json) printJson(summary)
      else process.stdout.write(`${render(summary.stages, report.ok, head.sequence, report.summary?.anchors ?? 0, bundle, proofCheck?.ok ?? false)}\n${renderIds(ids, join(dir, SUMMARY_FILE))}\n`)
      if (!report.ok) throw new CommandFailed(`the demo ledger does not verify: ${report.failure?.reason ?? 'unknown'}`)
      return EXIT.ok
    } finally {
      await backend.close()
    }
  },
}

function renderIds(ids: DemoSummary, file: string): string {
  const rows: [string, string | null][] = [
    ['ledger key', ids.ledgerPublicKey],
    ['mandate', ids.mandateId],
    ['datanet', ids.datanetId],
    ['dataset version', ids.datasetVersion === null ? null : `${ids.datasetVersion.version} (root ${ids.datasetVersion.root})`],
    ['training job', ids.jobId],
    ['final checkpoint', ids.checkpoint],
    ['deployment', ids.deploymentId],
    ['parameter change', ids.parameterChange === null ? null : `${ids.parameterChange.name} = ${JSON.stringify(ids.parameterChange.to)} from sequence ${ids.parameterChange.appliesFrom}`],
    ['  by proposal', ids.parameterChange?.proposalId ?? null],
    ['appeal', ids.appeal === null ? null : `${ids.appeal.appealId} (${ids.appeal.upheld === true ? `upheld: slash reversed at sequence ${ids.appeal.slashReversedAt ?? '-'}` : 'not upheld'})`],
    ['  by proposal', ids.appeal?.proposalId ?? null],
    ...(ids.lm === null
      ? []
      : ([
          ['lm mandate', ids.lm.mandateId],
          ['lm sft job', ids.lm.sft.jobId],
          ['  checkpoint', ids.lm.sft.checkpoint],
          ['  deployment', ids.lm.sft.deploymentId],
          ['rlhf round', ids.lm.round.roundId],
          ['lm dpo job', ids.lm.dpo.jobId],
          ['  checkpoint', ids.lm.dpo.checkpoint],
          ['  deployment', ids.lm.dpo.deploymentId],
        ] as [string, string][])),
  ]
  return ['', `ids (also in ${file}):`, ...rows.map(([what, id]) => `  ${what.padEnd(16)} ${id ?? '-'}`)].join('\n')
}

function render(stages: readonly StageReport[], ok: boolean, head: number, anchors: number, bundle: string, proofOk: boolean): string {
  const lines = ['model-ledger demo', '']
  for (const stage of stages) {
    lines.push(`✓ ${stage.name}`)
    for (const detail of stage.details) lines.push(`    ${detail}`)
  }
  lines.push('', `log: ${head} events, ${anchors} anchors, exported to ${bundle}`)
  lines.push(`full verification with the ledger key (signatures, chain, anchors, every command re-decided): ${ok ? 'OK' : 'FAILED'}`)
  lines.push(`inclusion proof of sequence 1 against its anchor: ${proofOk ? 'OK' : 'not available'}`)
  return lines.join('\n')
}
