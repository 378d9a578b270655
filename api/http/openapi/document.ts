/**
 * The OpenAPI 3.1 document, generated: every request and response schema comes from an io-ts codec
 * (wire.ts, the gateway's openai.ts and the domain's), through schema.ts; examples come from
 * examples.ts. Only the list of operations is written here, and a test holds it equal to the
 * routes express registers, so no route is left out.
 */
import * as t from 'io-ts'
import { SignedCommandC } from '../../../domain/ledger/command.js'
import { EnvelopeC } from '../../../domain/ledger/envelope.js'
import { ConsistencyProofC, InclusionProofC } from '../../../domain/ledger/proof.js'
import { ChatCompletionC, ChatRequestC, CompletionRequestC, GatewayModelC, GatewayModelListC, TextCompletionC } from '../../gateway/openai.js'
import { PROBLEM_KINDS } from '../problem.js'
import * as wire from '../wire.js'
import { GATEWAY_PROBLEM_EXAMPLE, operationExamples, PROBLEM_EXAMPLE } from './examples.js'
import { createSchemaRegistry, type JsonSchema } from './schema.js'

interface Param {
  readonly name: string
  readonly in: 'path' | 'query' | 'header'
  readonly description: string
  readonly schema?: JsonSchema
}

/** A response body: a codec for JSON, or one of the non-JSON kinds. */
export type Body = t.Mixed | 'binary' | 'text' | 'ndjson' | 'sse' | 'html' | 'markdown' | 'empty'

export interface Operation {
  readonly method: 'get' | 'post' | 'put'
  readonly path: string
  readonly summary: string
  readonly params?: readonly Param[]
  readonly body?: t.Mixed | 'binary'
  /** Status → body, or several bodies by media type (JSON, HTML, Markdown, a stream). */
  readonly responses: Readonly<Record<number, Body | readonly Body[]>>
}

const str = { type: 'string' }
const hex = (name: string, description: string): Param => ({ name, in: 'path', description, schema: { type: 'string', pattern: '^[0-9a-f]{64}$' } })
const seq = (name: string, where: 'path' | 'query', description: string): Param => ({ name, in: where, description, schema: { type: 'integer', minimum: 1 } })
const at: Param = { name: 'at', in: 'query', description: 'A sequence or an ISO 8601 time: the answer as the log stood then', schema: str }
const after: Param = { name: 'after', in: 'query', description: 'Wait (up to 5 s) until the read models have folded this sequence', schema: { type: 'integer', minimum: 1 } }
const limit: Param = { name: 'limit', in: 'query', description: 'Page size, 1-1000 (default 100)', schema: { type: 'integer', minimum: 1, maximum: 1000 } }
const cursor: Param = { name: 'cursor', in: 'query', description: 'The `next` of the previous page', schema: str }
const format: Param = { name: 'format', in: 'query', description: 'json (default), html or datasheet', schema: { type: 'string', enum: ['json', 'html', 'datasheet'] } }
const query = [at, after]
const paged = [at, after, limit, cursor]
const RowC = t.UnknownRecord
const lineage = [wire.LineageReportC, 'html', 'markdown'] as const
const chat = [ChatCompletionC, 'sse'] as const

export const OPERATIONS: readonly Operation[] = [
  { method: 'post', path: '/v1/commands', summary: 'Submit a signed command', body: SignedCommandC, responses: { 201: wire.CommandAcceptedC, 200: wire.CommandAcceptedC } },
  { method: 'get', path: '/v1/ledger', summary: 'The ledger public key, head and latest anchor', responses: { 200: wire.LedgerInfoC } },
  { method: 'get', path: '/v1/events', summary: 'Events by sequence', params: [seq('from', 'query', 'First sequence (default 1)'), limit], responses: { 200: wire.EventPageC } },
  { method: 'get', path: '/v1/log', summary: 'The log as bundle lines, each signed command before its first event (what `verify` and the console check)', params: [seq('from', 'query', 'First sequence (default 1)'), limit], responses: { 200: 'ndjson' } },
  { method: 'get', path: '/v1/events/{sequence}', summary: 'One event', params: [seq('sequence', 'path', 'Its sequence')], responses: { 200: EnvelopeC } },
  {
    method: 'get', path: '/v1/events/stream', summary: 'Server-sent events from a sequence on, then live; resumes with Last-Event-ID',
    params: [seq('from', 'query', 'First sequence (default 1)'), { name: 'types', in: 'query', description: 'Comma-separated event types', schema: str }, { name: 'stream', in: 'query', description: 'Stream name prefix', schema: str }, { name: 'Last-Event-ID', in: 'header', description: 'Resume after this sequence', schema: str }],
    responses: { 200: 'sse' },
  },
  { method: 'get', path: '/v1/commands/{hash}', summary: 'A recorded signed command', params: [hex('hash', 'The command hash')], responses: { 200: SignedCommandC } },
  { method: 'get', path: '/v1/anchors', summary: 'Anchors, oldest first', params: [seq('from', 'query', 'First anchor stream version'), limit], responses: { 200: wire.AnchorPageC } },
  { method: 'get', path: '/v1/proofs/{sequence}', summary: 'Inclusion proof of an event under its anchor', params: [seq('sequence', 'path', 'The event'), seq('size', 'query', 'The tree size to prove under (default: the latest checkpoint)')], responses: { 200: InclusionProofC } },
  {
    method: 'get', path: '/v1/proofs/consistency', summary: 'RFC 9162 consistency proof between two tree sizes (to defaults to the latest checkpoint)',
    params: [seq('from', 'query', 'The older tree size'), seq('to', 'query', 'The newer tree size')], responses: { 200: ConsistencyProofC },
  },
  { method: 'get', path: '/v1/lineage/versions/{datanetId}/{version}', summary: 'Lineage of a dataset version: contributions, licences, verdicts, the mandate and vote behind it, payouts; every stream it rests on, whole, with inclusion proofs under the latest checkpoint (?format=json|html|datasheet)', params: [hex('datanetId', 'The datanet id'), seq('version', 'path', 'The dataset version'), format], responses: { 200: lineage } },
  { method: 'get', path: '/v1/lineage/mandates/{mandateId}', summary: 'Lineage of a mandate (the model it commissioned): its dataset versions, training jobs, checkpoints and deployments', params: [hex('mandateId', 'The mandate id'), format], responses: { 200: lineage } },
  { method: 'get', path: '/v1/lineage/contributions/{contentHash}', summary: 'Reverse lineage: every datanet, dataset version, training job, checkpoint and deployment that used this content', params: [hex('contentHash', 'SHA-256 of the content'), format], responses: { 200: lineage } },
  { method: 'get', path: '/v1/lineage/deployments/{deploymentId}', summary: 'Lineage of a deployment: the checkpoints it served (rollbacks included), the job that trained them, its dataset version and contributions, the mandate and vote, reward and usage fee payouts', params: [hex('deploymentId', 'The deployment id'), format], responses: { 200: lineage } },
  { method: 'get', path: '/v1/lineage/checkpoints/{root}', summary: 'Lineage of a checkpoint: the job and data behind it, and the deployments that served it', params: [hex('root', 'The checkpoint root'), format], responses: { 200: lineage } },
  { method: 'get', path: '/v1/lineage/jobs/{jobId}', summary: 'Lineage of a training job: its data, checkpoints and deployments', params: [hex('jobId', 'The training job id'), format], responses: { 200: lineage } },
  { method: 'get', path: '/v1/lineage/models/{mandateId}', summary: 'Lineage of a model (its mandate): data, jobs, checkpoints and deployments', params: [hex('mandateId', 'The mandate id'), format], responses: { 200: lineage } },
  { method: 'get', path: '/v1/lineage/{id}', summary: 'Lineage of whatever the id names: a deployment, training job, checkpoint root or mandate, looked up in that order', params: [hex('id', 'A deployment, job, checkpoint or mandate id'), format], responses: { 200: lineage } },
  { method: 'get', path: '/v1/accounts', summary: 'Accounts', params: paged, responses: { 200: wire.AccountPageC } },
  { method: 'get', path: '/v1/accounts/{id}', summary: 'One account', params: [hex('id', 'The account key'), ...query], responses: { 200: wire.AccountsRowC } },
  { method: 'get', path: '/v1/treasury', summary: 'The treasury', params: query, responses: { 200: wire.AccountsRowC } },
  { method: 'get', path: '/v1/proposals', summary: 'Proposals of every kind (model and executable): actions and what each did, status, tally, quorum, deadline, backing', params: paged, responses: { 200: wire.ProposalPageC } },
  { method: 'get', path: '/v1/proposals/{id}', summary: 'One proposal with its actions, tally, quorum and deadline', params: [hex('id', 'The proposal id'), ...query], responses: { 200: wire.ProposalRowC } },
  { method: 'get', path: '/v1/proposals/{id}/votes', summary: 'The votes on a proposal, each with its weight and reason', params: [hex('id', 'The proposal id'), ...paged], responses: { 200: wire.VotePageC } },
  { method: 'get', path: '/v1/proposals/{id}/backers', summary: 'The stakes others put behind a proposal', params: [hex('id', 'The proposal id'), ...paged], responses: { 200: wire.BackerPageC } },
  { method: 'get', path: '/v1/parameters', summary: 'The protocol parameters in force (at ?at=: those the rules applied then), each with its bound and the sequence it holds since', params: paged, responses: { 200: wire.ParameterPageC } },
  { method: 'get', path: '/v1/parameters/history', summary: 'Every parameter change, oldest first: the proposal, the old and new value, the sequence it applies from', params: paged, responses: { 200: wire.ParameterChangePageC } },
  { method: 'get', path: '/v1/appeals', summary: 'Appeals of slashes: bond, statement, the proposals that resolve them, the resolution', params: paged, responses: { 200: wire.AppealPageC } },
  { method: 'get', path: '/v1/appeals/{id}', summary: 'One appeal', params: [hex('id', 'The appeal id'), ...query], responses: { 200: wire.AppealRowC } },
  { method: 'get', path: '/v1/disputes', summary: 'Disputes of usage batches: receipts cited, bond, the proposals that resolve them, the resolution and refund', params: paged, responses: { 200: wire.DisputePageC } },
  { method: 'get', path: '/v1/disputes/{id}', summary: 'One dispute', params: [hex('id', 'The dispute id'), ...query], responses: { 200: wire.DisputeRowC } },
  { method: 'get', path: '/v1/mandates', summary: 'Mandates', params: paged, responses: { 200: wire.MandatePageC } },
  { method: 'get', path: '/v1/mandates/{id}', summary: 'One mandate', params: [hex('id', 'The mandate id'), ...query], responses: { 200: wire.MandateRowC } },
  { method: 'get', path: '/v1/datanets', summary: 'Datanets: media types, licences, contribution and version counts', params: paged, responses: { 200: wire.DatanetPageC } },
  { method: 'get', path: '/v1/datanets/{id}', summary: 'One datanet', params: [hex('id', 'The datanet id'), ...query], responses: { 200: wire.DatanetRowC } },
  { method: 'get', path: '/v1/datanets/{id}/versions', summary: 'The sealed dataset versions of a datanet: Merkle root, contributions, licences', params: [hex('id', 'The datanet id'), ...paged], responses: { 200: wire.DatasetVersionPageC } },
  { method: 'get', path: '/v1/contributions', summary: 'Contributions with their verdicts and outcome', params: paged, responses: { 200: wire.ContributionPageC } },
  { method: 'get', path: '/v1/contributions/{id}', summary: 'One contribution', params: [hex('id', 'The contribution id'), ...query], responses: { 200: wire.ContributionRowC } },
  { method: 'get', path: '/v1/validators', summary: 'Validators: verdicts, agreement, rewards and slashes', params: paged, responses: { 200: wire.ValidatorPageC } },
  { method: 'get', path: '/v1/validators/{id}', summary: 'One validator', params: [hex('id', 'The validator key'), ...query], responses: { 200: wire.ValidatorRowC } },
  { method: 'get', path: '/v1/reward-maps/{mandateId}', summary: 'The closed reward epochs of a mandate: pools, payouts, map hash', params: [hex('mandateId', 'The mandate id'), ...paged], responses: { 200: wire.RewardEpochPageC } },
  {
    method: 'get', path: '/v1/reward-maps/{mandateId}/{epoch}', summary: 'One closed reward epoch',
    params: [hex('mandateId', 'The mandate id'), seq('epoch', 'path', 'The epoch number'), ...query], responses: { 200: wire.EpochRowC },
  },
  { method: 'get', path: '/v1/jobs', summary: 'Training jobs: configuration, seed, executor, lease, progress and checkpoints', params: paged, responses: { 200: wire.JobPageC } },
  { method: 'get', path: '/v1/jobs/{id}', summary: 'One training job', params: [hex('id', 'The job id'), ...query], responses: { 200: wire.JobRowC } },
  { method: 'get', path: '/v1/jobs/{id}/checkpoints', summary: 'The checkpoints a job recorded, in log order', params: [hex('id', 'The job id'), ...paged], responses: { 200: wire.CheckpointPageC } },
  { method: 'get', path: '/v1/jobs/{id}/evaluations', summary: 'The evaluations of a job, each with the checkpoint it judged', params: [hex('id', 'The job id'), ...paged], responses: { 200: wire.EvaluationPageC } },
  { method: 'get', path: '/v1/jobs/{id}/attribution', summary: 'The latest attribution a job recorded (method, checkpoints, score summary)', params: [hex('id', 'The job id'), ...query], responses: { 200: wire.AttributionRowC } },
  { method: 'get', path: '/v1/models', summary: 'The model registry: each mandate with its dataset versions, jobs, checkpoints, evaluations and deployments', params: paged, responses: { 200: wire.ModelPageC } },
  { method: 'get', path: '/v1/models/{id}', summary: 'One model of the registry', params: [hex('id', 'The mandate id'), ...query], responses: { 200: wire.ModelRowC } },
  { method: 'get', path: '/v1/models/{id}/history', summary: 'Every change to a model, in log order', params: [hex('id', 'The mandate id'), ...paged], responses: { 200: wire.HistoryPageC } },
  { method: 'get', path: '/v1/deployments', summary: 'Deployments with the checkpoint and data they serve and every checkpoint they served', params: paged, responses: { 200: wire.DeploymentPageC } },
  { method: 'get', path: '/v1/deployments/{id}', summary: 'One deployment', params: [hex('id', 'The deployment id'), ...query], responses: { 200: wire.DeploymentRowC } },
  { method: 'get', path: '/v1/deployments/{id}/usage', summary: 'Usage and fee split totals of a deployment', params: [hex('id', 'The deployment id'), ...query], responses: { 200: wire.DeploymentUsageRowC } },
  { method: 'get', path: '/v1/deployments/{id}/usage/recipients', summary: 'What each account was paid from a deployment’s fees, by share', params: [hex('id', 'The deployment id'), ...paged], responses: { 200: wire.RecipientPageC } },
  { method: 'get', path: '/v1/deployments/{id}/usage/grants', summary: 'Access grants of a deployment with the tokens and fees used', params: [hex('id', 'The deployment id'), ...paged], responses: { 200: wire.GrantPageC } },
  { method: 'get', path: '/v1/deployments/{id}/usage/batches', summary: 'Each recorded usage batch with its charges and fee split', params: [hex('id', 'The deployment id'), ...paged], responses: { 200: wire.BatchPageC } },
  { method: 'get', path: '/v1/read-models', summary: 'Every read model with its checkpoint and lag', responses: { 200: wire.ReadModelsC } },
  { method: 'get', path: '/v1/read-models/{name}/rows', summary: 'Rows of any read model', params: [{ name: 'name', in: 'path', description: 'Read model', schema: str }, { name: 'prefix', in: 'query', description: 'Key prefix', schema: str }, ...paged], responses: { 200: wire.rowPage(RowC, 'RowPage') } },
  { method: 'get', path: '/v1/read-models/{name}/rows/{key}', summary: 'One row of any read model', params: [{ name: 'name', in: 'path', description: 'Read model', schema: str }, { name: 'key', in: 'path', description: 'Row key', schema: str }, ...query], responses: { 200: RowC } },
  { method: 'put', path: '/v1/blobs/{hash}', summary: 'Store content under its SHA-256', params: [hex('hash', 'SHA-256 of the body')], body: 'binary', responses: { 201: wire.BlobStoredC, 200: wire.BlobStoredC } },
  { method: 'get', path: '/v1/blobs/{hash}', summary: 'Content by its SHA-256', params: [hex('hash', 'SHA-256')], responses: { 200: 'binary' } },
  { method: 'get', path: '/healthz', summary: 'Liveness', responses: { 200: wire.HealthC } },
  { method: 'get', path: '/readyz', summary: 'Readiness: accepting and read models caught up', responses: { 200: wire.ReadinessC, 503: wire.ReadinessC } },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics (text exposition format)', responses: { 200: 'text' } },
  { method: 'get', path: '/tlog/checkpoint', summary: 'The latest checkpoint as a C2SP signed note', responses: { 200: 'text' } },
  {
    method: 'get', path: '/tlog/tile/{path}', summary: 'A C2SP tlog-tiles tile: L/N[.p/W] (hashes of tree level 8·L) or entries/N[.p/W] (event hashes, each with a 2-byte length)',
    params: [{ name: 'path', in: 'path', description: 'The tile path, slashes included (C2SP tlog-tiles)', schema: str }], responses: { 200: 'binary' },
  },
  { method: 'get', path: '/openapi.json', summary: 'This document', responses: { 200: t.UnknownRecord } },
  { method: 'get', path: '/docs', summary: 'The readable API reference', responses: { 200: 'html' } },
  { method: 'get', path: '/problems/{kind}', summary: 'What a problem type means', params: [{ name: 'kind', in: 'path', description: 'The last segment of a problem `type`', schema: { type: 'string', enum: Object.keys(PROBLEM_KINDS) } }], responses: { 200: wire.ProblemKindC } },
  { method: 'get', path: '/openai/v1/models', summary: 'The deployments the API key opens (OpenAI list models)', responses: { 200: GatewayModelListC } },
  { method: 'get', path: '/openai/v1/models/{id}', summary: 'One deployment the API key opens', params: [hex('id', 'The deployment id')], responses: { 200: GatewayModelC } },
  {
    method: 'post', path: '/openai/v1/chat/completions', summary: 'Chat completion from a deployment (model = deployment id), metered against the key’s access grant; stream: true answers server-sent chunks',
    body: ChatRequestC, responses: { 200: chat },
  },
  { method: 'post', path: '/openai/v1/completions', summary: 'Text completion from a deployment, metered like chat completions', body: CompletionRequestC, responses: { 200: [TextCompletionC, 'sse'] } },
]

/** The gateway's routes: bearer API keys, OpenAI-shaped errors beside the problem members. */
const isGateway = (path: string): boolean => path.startsWith('/openai/')

const TAGS: readonly { readonly name: string; readonly description: string; readonly test: (path: string) => boolean }[] = [
  { name: 'Gateway', description: 'The OpenAI-compatible inference gateway: bearer API keys opened by access grants; every answer metered into the ledger (docs/gateway.md)', test: isGateway },
  { name: 'Lineage', description: 'Lineage reports with an inclusion proof for every item (docs/lineage.md)', test: (p) => p.startsWith('/v1/lineage') },
  { name: 'Log', description: 'Signed commands in; the log, anchors and inclusion proofs out (docs/ledger-format.md)', test: (p) => /^\/v1\/(commands|ledger|events|anchors|proofs)/.test(p) },
  { name: 'Blobs', description: 'Content addressed by SHA-256', test: (p) => p.startsWith('/v1/blobs') },
  { name: 'Read models', description: 'Projections of the log, at any point in time (docs/projections.md)', test: (p) => p.startsWith('/v1/') },
  { name: 'Operations', description: 'Health, readiness, metrics and this description (docs/operations.md)', test: () => true },
]
const tagOf = (path: string): string => (TAGS.find((tag) => tag.test(path)) ?? { name: 'Operations' }).name


const MEDIA: Readonly<Record<Exclude<Body, t.Mixed | 'empty'>, readonly [string, JsonSchema]>> = {
  binary: ['application/octet-stream', { type: 'string', contentMediaType: 'application/octet-stream' }],
  text: ['text/plain', { type: 'string' }],
  ndjson: ['application/x-ndjson', { type: 'string', description: 'Bundle lines (docs/ledger-format.md): one JCS object per line, `{"command": …}` just before the first event it caused, then `{"event": …}`; each line ends in LF' }],
  sse: ['text/event-stream', { type: 'string', description: 'Server-sent events; each data line one JSON object' }],
  html: ['text/html', { type: 'string', description: 'A self-contained HTML page' }],
  markdown: ['text/markdown', { type: 'string', description: 'Markdown' }],
}

const STREAMED =
  'Server-sent events (stream: true): each `data:` line one chunk, `{id, object: "chat.completion.chunk" | "text_completion", created, model, system_fingerprint, choices: [{index, delta | text, finish_reason}]}`, then a usage chunk when stream_options.include_usage, then `data: [DONE]`. The last chunk before `[DONE]` (the usage chunk, else the finish_reason chunk) also has `x_ledger_answer_hash`: the SHA-256 (64 lower-case hex) of the streamed text’s UTF-8 bytes, the receipt’s answerHash'
/** What a gateway answer says in its headers beside the body (docs/gateway.md). */
const ANSWER_HEADERS = {
  'X-Ledger-Receipt': { description: 'The receipt id the ledger records (also the body’s `id`)', schema: { type: 'string' } },
  'X-Ledger-Checkpoint': { description: 'The checkpoint root that answered', schema: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
  'X-Ledger-Seed': { description: 'The sampling seed used: the request’s, or one the gateway drew', schema: { type: 'string', pattern: '^[0-9]+$' } },
  'X-Ledger-Answer-Hash': {
    description: 'Non-streamed answers only: SHA-256 (64 lower-case hex) of the answer’s UTF-8 bytes as returned, the receipt’s answerHash (streams carry it in their last chunk)',
    schema: { type: 'string', pattern: '^[0-9a-f]{64}$' },
  },
}
const gatewayStream = (list: readonly Body[]): boolean => list.includes(ChatCompletionC) || list.includes(TextCompletionC)

function content(kinds: Body | readonly Body[], schemaOf: (c: t.Mixed) => JsonSchema, example: unknown): Record<string, unknown> | undefined {
  const list: readonly Body[] = Array.isArray(kinds) ? kinds : [kinds as Body]
  const out: Record<string, unknown> = {}
  for (const kind of list) {
    if (kind === 'empty') continue
    if (typeof kind === 'string') {
      const [type, schema] = MEDIA[kind]
      out[type] = { schema: kind === 'sse' && gatewayStream(list) ? { ...schema, description: STREAMED } : schema }
    } else out['application/json'] = { schema: schemaOf(kind), ...(example === undefined ? {} : { example }) }
  }
  return Object.keys(out).length === 0 ? undefined : out
}

const operationId = (op: Pick<Operation, 'method' | 'path'>): string => `${op.method}${op.path.replace(/[{}.]/g, '').replace(/[/-](\w)/g, (_, c: string) => c.toUpperCase())}`

let cached: object | undefined

export function openApiDocument(): object {
  if (cached !== undefined) return cached
  const registry = createSchemaRegistry()
  const examples = operationExamples()
  const problem = (gateway: boolean) => ({
    description: gateway ? 'An RFC 9457 problem that also carries OpenAI’s `error` member' : 'An RFC 9457 problem (see /problems/{kind})',
    headers: { 'Retry-After': { $ref: '#/components/headers/RetryAfter' }, 'X-Request-Id': { $ref: '#/components/headers/RequestId' } },
    content: { 'application/problem+json': { schema: registry.schemaOf(gateway ? wire.GatewayProblemC : wire.ProblemC), example: gateway ? GATEWAY_PROBLEM_EXAMPLE : PROBLEM_EXAMPLE } },
  })
  const paths: Record<string, Record<string, unknown>> = {}
  for (const op of OPERATIONS) {
    const gateway = isGateway(op.path)
    const example = examples[`${op.method} ${op.path}`]
    const responses: Record<string, unknown> = { '4XX': problem(gateway), '5XX': problem(gateway) }
    for (const [status, kind] of Object.entries(op.responses)) {
      const body = content(kind, registry.schemaOf, example?.responses[Number(status)])
      const answers = gateway && gatewayStream(Array.isArray(kind) ? kind : [kind as Body])
      const headers = { 'X-Request-Id': { $ref: '#/components/headers/RequestId' }, ...(answers ? ANSWER_HEADERS : {}) }
      responses[status] = { description: op.summary, headers, ...(body === undefined ? {} : { content: body }) }
    }
    const operation = {
      tags: [tagOf(op.path)],
      summary: op.summary,
      operationId: operationId(op),
      ...(gateway ? { security: [{ apiKey: [] }] } : {}),
      ...(op.params === undefined ? {} : { parameters: op.params.map((p) => ({ name: p.name, in: p.in, description: p.description, required: p.in === 'path', schema: p.schema ?? str })) }),
      ...(op.body === undefined ? {} : { requestBody: { required: true, content: content(op.body, registry.schemaOf, example?.request) } }),
      responses,
    }
    paths[op.path] = { ...paths[op.path], [op.method]: operation }
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'model-ledger',
      version: '1',
      summary: 'A signed, hash-chained ledger of an AI model’s lifecycle, its read models, lineage and inference gateway.',
      description: `Signed commands in; a verifiable log, anchors, proofs and read models out; an OpenAI-compatible gateway under /openai/v1. Problem kinds: ${Object.keys(PROBLEM_KINDS).join(', ')}.`,
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    servers: [
      {
        url: 'http://{host}:{port}',
        description: 'A model-ledger serve process (by default 127.0.0.1:8080)',
        variables: { host: { default: '127.0.0.1', description: 'serve --host' }, port: { default: '8080', description: 'serve --port' } },
      },
    ],
    // The ledger API is open: commands carry their own signatures. Only the gateway asks for a key.
    security: [{}],
    tags: TAGS.map(({ name, description }) => ({ name, description })),
    paths,
    components: {
      schemas: registry.components,
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key whose SHA-256 an AccessGranted event names (docs/gateway.md); the consumer must have accepted the grant.' },
      },
      headers: {
        RetryAfter: { description: 'Seconds to wait before retrying: sent with every 429 and 503', schema: { type: 'integer', minimum: 1 } },
        RequestId: { description: 'The request’s id, also in the server’s log line and in any problem', schema: { type: 'string' } },
      },
    },
  }
  return cached
}
