/**
 * Examples for the OpenAPI document and /docs, made with the ledger's own functions: the command
 * is really signed by a fixed demo key, its hash is the one the answer names, and the event is
 * sealed by the ledger key, so an example checks like a real answer. Keyed by "METHOD /path".
 * The test decodes every example with the codec of the response it illustrates.
 */
import { toHex } from '../../../domain/crypto/hex.js'
import { commandHash, signCommand, type Command } from '../../../domain/ledger/command.js'
import { LEDGER_FORMAT, sealEnvelope, type Envelope } from '../../../domain/ledger/envelope.js'
import type { Signer } from '../../../domain/ports/crypto.js'
import { nativeCrypto, nativeEd25519 } from '../../../infrastructure/crypto/native.js'
import { tokens } from '../../../domain/governance/amounts.js'
import { AppealRowC } from '../../../projections/read-models/appeals.js'
import { ParameterChangeRowC, ParameterRowC } from '../../../projections/read-models/parameters.js'
import { describeAction, ProposalRowC, VoteRowC } from '../../../projections/read-models/proposals.js'

export interface OperationExamples {
  readonly request?: unknown
  readonly responses: Readonly<Record<number, unknown>>
}

const signerOf = (byte: number): Signer => nativeEd25519.signer(new Uint8Array(32).fill(byte))
const RECORDED = '2026-01-01T00:00:01.000Z'
const ZERO = '0'.repeat(64)

function build(): Record<string, OperationExamples> {
  const ledger = signerOf(1)
  const alice = signerOf(10)
  const ledgerKey = toHex(ledger.publicKey)
  const aliceKey = toHex(alice.publicKey)
  const command: Command = { type: 'RegisterIdentity', payload: { displayName: 'alice' }, actor: aliceKey, nonce: 'n-0001', issuedAt: '2026-01-01T00:00:00.000Z', ledger: ledgerKey }
  const signed = signCommand(command, alice, nativeCrypto)
  const hash = commandHash(command, nativeCrypto)
  const event: Envelope = sealEnvelope(
    {
      format: LEDGER_FORMAT,
      sequence: 2,
      stream: `identity-${aliceKey}`,
      streamVersion: 1,
      type: 'IdentityRegistered',
      data: { key: aliceKey, displayName: 'alice' },
      recordedAt: RECORDED,
      cause: { kind: 'command', commandHash: hash, actor: aliceKey, actorSignature: signed.signature },
      prevHash: ZERO.replace(/^0/, '1'),
      signer: ledgerKey,
    },
    ledger,
    nativeCrypto,
  )
  const page = (items: unknown[]) => ({ items, next: null, checkpoint: 2 })
  const modelId = 'd'.repeat(64)
  const completion = { id: 'chatcmpl-7d0c2f5e-1b2a-4c3d-9e8f-0a1b2c3d4e5f', created: 1767225601, model: modelId, system_fingerprint: 'c'.repeat(64) }
  const proposalId = '7'.repeat(64)
  const bobKey = toHex(signerOf(11).publicKey)
  const change = { kind: 'change-parameter' as const, name: 'appealBond' as const, value: tokens(50).toString() }
  const proposal = ProposalRowC.encode({
    kind: 'proposal', id: proposalId, type: 'actions', proposer: aliceKey, title: 'Halve the appeal bond', description: 'An appeal locks 100 OPEN today; 50 OPEN keeps appeals affordable.',
    spec: null, actions: [{ action: change, summary: describeAction(change), executed: { sequence: 96, events: [{ type: 'ParameterChanged', sequence: 96 }], from: tokens(100).toString(), to: tokens(50).toString(), amount: null } }],
    stakeId: 1, stake: tokens(1_000), minBacking: 0n, backers: 1, backing: tokens(200), snapshotSequence: 41, createdAt: '2026-01-01T00:01:00.000Z',
    votingStartsAt: '2026-01-02T00:01:00.000Z', votingEndsAt: '2026-01-09T12:00:00.000Z', scheduledVotingEndsAt: '2026-01-09T00:01:00.000Z', extendedSequence: 77, gracePeriodMs: 14 * 86_400_000,
    quorum: { basis: 'supply', ratio: { numerator: 5, denominator: 100 }, snapshotSupply: tokens(60_000), required: tokens(3_000) },
    status: 'executed', canceled: null, votes: { for: tokens(40_000), against: tokens(20_000), abstain: 0n }, voters: 3,
    outcomeTally: { for: tokens(40_000), against: tokens(20_000), abstain: 0n, snapshotPower: tokens(60_000), quorum: tokens(3_000) },
    queuedAt: '2026-01-09T12:00:01.000Z', eta: '2026-01-10T12:00:01.000Z', executedSequence: 95, mandateId: null, updatedAt: '2026-01-10T12:00:02.000Z', updatedSequence: 96,
  })
  const vote = VoteRowC.encode({ kind: 'vote', proposalId, voter: bobKey, support: 'against', weight: tokens(20_000), reason: 'a cheaper appeal invites an appeal of every slash', sequence: 60, recordedAt: '2026-01-03T00:00:00.000Z' })
  const parameter = ParameterRowC.encode({ kind: 'parameter', name: 'appealBond', value: tokens(50).toString(), bound: `[0, ${tokens(1_000_000)}]`, since: 96, changes: 1 })
  const changed = ParameterChangeRowC.encode({ kind: 'change', sequence: 96, recordedAt: '2026-01-10T12:00:02.000Z', proposalId, name: 'appealBond', from: tokens(100).toString(), to: tokens(50).toString() })
  const appealed = AppealRowC.encode({
    kind: 'appeal', id: '8'.repeat(64), account: bobKey, slashSequence: 30, amount: tokens(50), bond: tokens(50), bondStakeId: 3, statement: 'A test upload sent by mistake; I withdraw it.',
    sequence: 120, filedAt: '2026-01-11T00:00:00.000Z', proposals: ['9'.repeat(64)], status: 'upheld', proposalId: '9'.repeat(64), reason: 'a mistaken upload, owned at once',
    resolvedSequence: 150, reversed: tokens(50), bondForfeited: 0n,
  })
  return {
    'get /v1/proposals': { responses: { 200: page([proposal]) } },
    'get /v1/proposals/{id}': { responses: { 200: proposal } },
    'get /v1/proposals/{id}/votes': { responses: { 200: page([vote]) } },
    'get /v1/parameters': { responses: { 200: page([parameter]) } },
    'get /v1/parameters/history': { responses: { 200: page([changed]) } },
    'get /v1/appeals': { responses: { 200: page([appealed]) } },
    'get /v1/appeals/{id}': { responses: { 200: appealed } },
    'post /v1/commands': { request: signed, responses: { 201: { commandHash: hash, duplicate: false, firstSequence: 2, lastSequence: 2, sequences: [2], recordedAt: RECORDED } } },
    'get /v1/ledger': { responses: { 200: { publicKey: ledgerKey, ledgerId: ledgerKey, head: { sequence: 2, hash: event.hash, recordedAt: RECORDED }, lastAnchor: null } } },
    'get /v1/events': { responses: { 200: { events: [event], next: null } } },
    'get /v1/events/{sequence}': { responses: { 200: event } },
    'get /v1/commands/{hash}': { responses: { 200: signed } },
    'get /v1/validators': {
      responses: { 200: page([{ kind: 'validator', key: aliceKey, verdicts: 12, agreed: 11, disagreed: 1, rounds: 3, penalized: 0, roundRewards: '30000000000000000000', slashed: '0', trust: null, trustSequence: null, firstSequence: 40, lastSequence: 97 }]) },
    },
    'get /v1/read-models': { responses: { 200: { readModels: [{ name: 'accounts', version: 1, checkpoint: 2, lag: 0 }] } } },
    'put /v1/blobs/{hash}': { responses: { 201: { hash: 'b'.repeat(64), byteLength: 1024 } } },
    'get /healthz': { responses: { 200: { status: 'ok', covers: ['process', 'http'], notCovered: ['storage', 'read-models', 'background-tasks'], see: '/readyz' } } },
    'get /readyz': {
      responses: {
        200: { status: 'ready', reasons: [], accepting: true, storage: { ok: true, lastError: null, since: null }, failing: [], lagging: [], readModels: [{ name: 'accounts', version: 1, checkpoint: 2, lag: 0 }] },
        503: { status: 'not-ready', reasons: ['lagging:models'], accepting: true, storage: { ok: true, lastError: null, since: null }, failing: [], lagging: ['models'], readModels: [{ name: 'models', version: 1, checkpoint: 2, lag: 1500 }] },
      },
    },
    'get /problems/{kind}': { responses: { 200: { type: '/problems/nonce-replayed', status: 409, title: 'This actor already used this nonce for another command', see: '/docs#problems' } } },
    'get /openai/v1/models': {
      responses: { 200: { object: 'list', data: [{ id: modelId, object: 'model', created: 1767225600, owned_by: 'e'.repeat(64), checkpoint: 'c'.repeat(64), job: 'f'.repeat(64), endpoint: 'https://models.example.org/v1' }] } },
    },
    'post /openai/v1/chat/completions': {
      request: { model: modelId, messages: [{ role: 'user', content: 'Classify: "The tenant shall pay rent monthly."' }], max_tokens: 16 },
      responses: {
        200: { ...completion, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'payment obligation', refusal: null }, logprobs: null, finish_reason: 'stop' }], usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 } },
      },
    },
    'post /openai/v1/completions': {
      request: { model: modelId, prompt: 'The tenant shall', max_tokens: 8 },
      responses: { 200: { ...completion, id: 'cmpl-7d0c2f5e-1b2a-4c3d-9e8f-0a1b2c3d4e5f', object: 'text_completion', choices: [{ index: 0, text: ' pay rent monthly', logprobs: null, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 } } },
    },
  }
}

/** A problem as the API sends it (the gateway's also carry OpenAI's `error`). */
export const PROBLEM_EXAMPLE = {
  type: '/problems/malformed',
  title: 'The request is malformed',
  status: 400,
  detail: 'limit must be between 1 and 1000',
  instance: '/v1/accounts?limit=0',
  requestId: '5f0c3a1e-8d2b-4f6a-9c7e-1b2d3e4f5a6b',
}
export const GATEWAY_PROBLEM_EXAMPLE = {
  type: '/problems/malformed',
  title: 'The request is malformed',
  status: 400,
  detail: 'messages is required',
  instance: '/openai/v1/chat/completions',
  requestId: '5f0c3a1e-8d2b-4f6a-9c7e-1b2d3e4f5a6b',
  error: { message: 'messages is required', type: 'malformed', code: 'malformed', param: 'messages' },
}

let cached: Record<string, OperationExamples> | undefined

export function operationExamples(): Readonly<Record<string, OperationExamples>> {
  return (cached ??= build())
}
