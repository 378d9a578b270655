/**
 * model-ledger reproduce: re-runs a recorded deterministic job and compares checkpoints, metrics
 * and attribution with the log; with --attest, re-runs the evaluation on the published checkpoint
 * files and signs an AttestEvaluation with the attester's key.
 */
import { encodeRequest } from '../../../domain/economy/index.js'
import type { JsonValue } from '../../../domain/json.js'
import type { Signer } from '../../../domain/ports/crypto.js'
import { blobDir, createBlobStore } from '../../../infrastructure/blobs/blob-store.js'
import { openLedger, openReadOnly } from '../../../infrastructure/data-dir.js'
import { loadSigner, readPassphrase } from '../../../infrastructure/keys/index.js'
import { checkEvaluation, type AttestationPayload } from '../../../trainer/attest.js'
import { inProcessLedger } from '../../../trainer/ledger.js'
import { executorsOf } from '../../../trainer/open.js'
import { foldLog, reproduce, type Reproduction } from '../../../trainer/reproduce.js'
import { createClient } from '../../sdk/client.js'
import { CommandFailed, EXIT, flag, parse, printJson, required, str, strs, UsageError, type Command } from '../io.js'

async function attesterKey(keyFile: string | undefined, passphraseFile: string | undefined): Promise<Signer> {
  if (keyFile === undefined) throw new UsageError('--attest needs --key-file FILE (an encrypted key of a staked validator, made with model-ledger keygen)')
  return loadSigner(keyFile, await readPassphrase(passphraseFile === undefined ? {} : { file: passphraseFile }))
}

/** Over HTTP with the SDK to --url, or in process on DIR's ledger. Returns the command hash. */
async function submitAttestation(payload: AttestationPayload, signer: Signer, dir: string, url: string | undefined): Promise<string> {
  const wire = encodeRequest({ type: 'AttestEvaluation', payload })
  if (url !== undefined) return (await createClient({ baseUrl: url }).actor(signer).send(wire.type, wire.payload as JsonValue)).commandHash
  const { store } = await openLedger(dir)
  try {
    const result = await inProcessLedger(store, signer).submit({ type: 'AttestEvaluation', payload })
    if (!result.ok) throw new CommandFailed(`AttestEvaluation refused: ${result.code}: ${result.message}`, EXIT.failed)
    return result.commandHash
  } finally {
    await store.close()
  }
}

function summary(result: Reproduction): string {
  const metrics = result.metricsMatch === null ? 'no evaluation recorded' : result.metricsMatch ? 'metrics agree' : 'metrics DIFFER'
  const attribution = result.attributionMatches === null ? 'no attribution to compare' : result.attributionMatches ? 'attribution matches' : 'attribution DIFFERS'
  return `manifest ${result.manifestMatches ? 'matches' : 'DIFFERS from'} the recorded hash; ${metrics}; ${attribution}; ${result.matches ? 'reproduced' : 'NOT reproduced'}\n`
}

export const reproduceCommand: Command = {
  name: 'reproduce',
  summary: 're-run a recorded training job, check it against the log, and optionally attest its evaluation',
  usage: `model-ledger reproduce --data DIR --job ID [--process NAME=COMMAND]... [--json]
                       [--attest --key-file FILE [--passphrase-file FILE] [--url URL]]

Reads the log of DIR (read-only), rebuilds job ID's manifest and checks its recorded hash,
verifies the dataset again, re-runs the executor in a scratch directory and reports, checkpoint
by checkpoint, whether the hashes match the log, then whether the held-out metrics agree with the
recorded evaluation and the attribution equals the recorded one. Exit 0 when everything matches,
1 otherwise.

--attest also fetches the final checkpoint's files from DIR's blob store, checks them against the
recorded root, re-runs the evaluation on them and signs an AttestEvaluation (the metrics it got,
and whether the full re-run reproduced the log) with the key in --key-file (a staked validator's,
from model-ledger keygen; passphrase as for keygen). It is posted to --url with the SDK, or
appended in process to DIR's ledger. The attestation is sent whatever it finds: disagreeing is
what an attester is for.`,
  async run(argv) {
    const args = parse(argv, {
      data: { type: 'string' },
      job: { type: 'string' },
      process: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      attest: { type: 'boolean' },
      'key-file': { type: 'string' },
      'passphrase-file': { type: 'string' },
      url: { type: 'string' },
    })
    const dir = required(str(args, 'data'), '--data')
    const jobId = required(str(args, 'job'), '--job')
    const attest = flag(args, 'attest')
    const signer = attest ? await attesterKey(str(args, 'key-file'), str(args, 'passphrase-file')) : undefined
    const backend = openReadOnly(dir)
    const state = await foldLog(backend).finally(() => backend.close())
    const json = flag(args, 'json')
    const blobs = createBlobStore(blobDir(dir))
    const executors = executorsOf(strs(args, 'process'))
    const result = await reproduce(state, jobId, blobs, executors, (c) => {
      if (!json) process.stdout.write(`step ${c.step}: ${c.recorded === c.reproduced ? 'match' : 'MISMATCH'} ${c.reproduced}${c.recorded === c.reproduced ? '' : ` (log: ${c.recorded ?? 'none'})`}\n`)
    })
    let attestation: { payload: AttestationPayload; agrees: boolean; commandHash: string } | undefined
    if (signer !== undefined) {
      const check = await checkEvaluation(state, jobId, blobs, executors, { reproduced: result.matches })
      attestation = { payload: check.attestation, agrees: check.agrees, commandHash: await submitAttestation(check.attestation, signer, dir, str(args, 'url')) }
    }
    if (json) printJson(attestation === undefined ? result : { ...result, attestation })
    else {
      process.stdout.write(summary(result))
      if (attestation !== undefined) process.stdout.write(`attested checkpoint ${attestation.payload.checkpoint} (${attestation.agrees ? 'agrees' : 'DISAGREES'}): command ${attestation.commandHash}\n`)
    }
    if (!result.matches) throw new CommandFailed('the re-run does not match the log', EXIT.failed)
    return EXIT.ok
  },
}
