/**
 * model-ledger audit-answer: recomputes the per-answer attribution of an answer the gateway served
 * from the answer's text and the served dataset version (read from the blob store and checked
 * against its sealed root), and compares it with the weights the operator recorded in the
 * receipt. The ledger itself checks only that the named contributions are members of the version.
 */
import { readFile } from 'node:fs/promises'
import { blobDir, createBlobStore } from '../../../infrastructure/blobs/blob-store.js'
import { openReadOnly } from '../../../infrastructure/data-dir.js'
import { auditAnswer, AnswerAuditError, type AnswerAudit } from '../../../trainer/answer-audit.js'
import { foldLog } from '../../../trainer/reproduce.js'
import { CommandFailed, EXIT, flag, parse, positiveInt, printJson, required, str, UsageError, type Command } from '../io.js'

const ID = /^[0-9a-f]{64}$/
const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,128}$/

function print(audit: AnswerAudit): void {
  process.stdout.write(`request ${audit.requestId} of deployment ${audit.deploymentId} (checkpoint ${audit.checkpoint}, job ${audit.jobId}, spans of ${audit.spanBytes} bytes)\n`)
  if (audit.bound) process.stdout.write(`the answer is the one the receipt is for (it hashes to the receipt's answerHash ${audit.answerHash ?? ''})\n`)
  else process.stdout.write('the receipt records no answerHash: nothing binds this text to it, so the audit holds only if this is the text served\n')
  if (audit.recorded.length === 0) process.stdout.write('the receipt records no per-answer attribution\n')
  for (const d of audit.differences) process.stdout.write(`✗ contribution ${d.contribution}: recorded weight ${d.recorded}, the answer gives ${d.recomputed}\n`)
  if (audit.ok) process.stdout.write(`✓ the recorded attribution is the answer's (${audit.recomputed.length} contributions)\n`)
}

export const auditAnswerCommand: Command = {
  name: 'audit-answer',
  summary: "recompute an answer's per-answer attribution from its text and check the receipt's weights",
  usage: `model-ledger audit-answer DEPLOYMENT_ID REQUEST_ID --data DIR --answer FILE [--span-bytes 16] [--json]

Reads the log of DIR (read-only), finds the receipt of REQUEST_ID (the gateway's x-ledger-receipt
header) in the deployment's UsageRecorded events, reads the dataset version of the job whose
checkpoint the batch was recorded against from DIR's blob store (checked against its sealed root),
and recomputes the attribution of the answer in FILE (its UTF-8 text, exactly as served) by span
matching (docs/gateway.md, per-answer attribution; --span-bytes: the gateway's span length).
When the receipt records an answerHash (the gateway's x-ledger-answer-hash), FILE's bytes must
hash to it (SHA-256), or the audit is refused: the audited text is then the served text. Prints
whether the text was bound and each contribution whose recorded weight differs (--json: the whole
audit, with answerHash and bound). Exit 0 when the receipt's weights are the answer's, 1 when any
differs, FILE is not the answer the receipt is for, or the receipt cannot be audited.`,
  async run(argv) {
    const args = parse(argv, { data: { type: 'string' }, answer: { type: 'string' }, 'span-bytes': { type: 'string' }, json: { type: 'boolean' } }, true)
    const dir = required(str(args, 'data'), '--data')
    const answerPath = required(str(args, 'answer'), '--answer')
    const spanBytes = positiveInt(str(args, 'span-bytes'), '--span-bytes')
    if (spanBytes === 0) throw new UsageError('--span-bytes is at least 1')
    const [deploymentId, requestId, ...extra] = args.positionals
    if (deploymentId === undefined || requestId === undefined || extra.length > 0) throw new UsageError('give a deployment id and a request id')
    if (!ID.test(deploymentId)) throw new UsageError('a deployment id is 64 lower-case hex characters')
    if (!REQUEST_ID.test(requestId)) throw new UsageError('a request id is 1-128 of A-Z a-z 0-9 _ . : -')
    const answer = await readFile(answerPath)
    const backend = openReadOnly(dir)
    let audit: AnswerAudit
    try {
      const state = await foldLog(backend)
      audit = await auditAnswer(backend, state, createBlobStore(blobDir(dir)), { deploymentId, requestId, answer, ...(spanBytes === undefined ? {} : { spanBytes }) })
    } catch (error) {
      if (error instanceof AnswerAuditError) throw new CommandFailed(error.message, EXIT.failed)
      throw error
    } finally {
      await backend.close()
    }
    if (flag(args, 'json')) printJson(audit)
    else print(audit)
    if (!audit.ok) throw new CommandFailed(`the receipt's attribution differs from the answer's for ${audit.differences.length} contributions`, EXIT.failed)
    return EXIT.ok
  },
}
