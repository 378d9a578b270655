/**
 * The OpenAPI 3.1 document, generated: every request and response schema comes from an io-ts codec
 * (wire.ts and the domain's), through schema.ts. Only the list of operations is written here.
 */
import * as t from 'io-ts'
import { SignedCommandC } from '../../../domain/ledger/command.js'
import { EnvelopeC } from '../../../domain/ledger/envelope.js'
import { InclusionProofC } from '../../../domain/ledger/proof.js'
import { PROBLEM_KINDS } from '../problem.js'
import * as wire from '../wire.js'
import { createSchemaRegistry, type JsonSchema } from './schema.js'

interface Param {
  readonly name: string
  readonly in: 'path' | 'query' | 'header'
  readonly description: string
  readonly schema?: JsonSchema
}

export interface Operation {
  readonly method: 'get' | 'post' | 'put'
  readonly path: string
  readonly summary: string
  readonly params?: readonly Param[]
  readonly body?: t.Mixed | 'binary'
  /** Status → codec; 'binary', 'text' and 'sse' for non-JSON bodies. */
  readonly responses: Readonly<Record<number, t.Mixed | 'binary' | 'text' | 'sse' | 'empty'>>
}

const str = { type: 'string' }
const hex = (name: string, description: string): Param => ({ name, in: 'path', description, schema: { type: 'string', pattern: '^[0-9a-f]{64}$' } })
const seq = (name: string, where: 'path' | 'query', description: string): Param => ({ name, in: where, description, schema: { type: 'integer', minimum: 1 } })
const at: Param = { name: 'at', in: 'query', description: 'A sequence or an ISO 8601 time: the answer as the log stood then', schema: str }
const after: Param = { name: 'after', in: 'query', description: 'Wait (up to 5 s) until the read models have folded this sequence', schema: { type: 'integer', minimum: 1 } }
const limit: Param = { name: 'limit', in: 'query', description: 'Page size, 1-1000 (default 100)', schema: { type: 'integer', minimum: 1, maximum: 1000 } }
const cursor: Param = { name: 'cursor', in: 'query', description: 'The `next` of the previous page', schema: str }
const format: Param = { name: 'format', in: 'query', description: 'json (default), html or datasheet', schema: str }
const query = [at, after]
const paged = [at, after, limit, cursor]
const RowC = t.UnknownRecord

export const OPERATIONS: readonly Operation[] = [
  { method: 'post', path: '/v1/commands', summary: 'Submit a signed command', body: SignedCommandC, responses: { 201: wire.CommandAcceptedC, 200: wire.CommandAcceptedC } },
  { method: 'get', path: '/v1/ledger', summary: 'The ledger public key, head and latest anchor', responses: { 200: wire.LedgerInfoC } },
  { method: 'get', path: '/v1/events', summary: 'Events by sequence', params: [seq('from', 'query', 'First sequence (default 1)'), limit], responses: { 200: wire.EventPageC } },
  { method: 'get', path: '/v1/events/{sequence}', summary: 'One event', params: [seq('sequence', 'path', 'Its sequence')], responses: { 200: EnvelopeC } },
  {
    method: 'get', path: '/v1/events/stream', summary: 'Server-sent events from a sequence on, then live; resumes with Last-Event-ID',
    params: [seq('from', 'query', 'First sequence (default 1)'), { name: 'types', in: 'query', description: 'Comma-separated event types', schema: str }, { name: 'stream', in: 'query', description: 'Stream name prefix', schema: str }, { name: 'Last-Event-ID', in: 'header', description: 'Resume after this sequence', schema: str }],
    responses: { 200: 'sse' },
  },
  { method: 'get', path: '/v1/commands/{hash}', summary: 'A recorded signed command', params: [hex('hash', 'The command hash')], responses: { 200: SignedCommandC } },
  { method: 'get', path: '/v1/anchors', summary: 'Anchors, oldest first', params: [seq('from', 'query', 'First anchor stream version'), limit], responses: { 200: wire.AnchorPageC } },
  { method: 'get', path: '/v1/proofs/{sequence}', summary: 'Inclusion proof of an event under its anchor', params: [seq('sequence', 'path', 'The event')], responses: { 200: InclusionProofC } },
  { method: 'get', path: '/v1/lineage/versions/{datanetId}/{version}', summary: 'Lineage of a dataset version: contributions, licences, verdicts, the mandate and vote behind it, payouts; every stream it rests on, whole, with inclusion proofs under the latest checkpoint (?format=json|html|datasheet)', params: [hex('datanetId', 'The datanet id'), seq('version', 'path', 'The dataset version'), format], responses: { 200: RowC } },
  { method: 'get', path: '/v1/lineage/mandates/{mandateId}', summary: 'Lineage of a mandate (the model it commissioned): its dataset versions, training jobs, checkpoints and deployments', params: [hex('mandateId', 'The mandate id'), format], responses: { 200: RowC } },
  { method: 'get', path: '/v1/lineage/contributions/{contentHash}', summary: 'Reverse lineage: every datanet, dataset version, training job, checkpoint and deployment that used this content', params: [hex('contentHash', 'SHA-256 of the content'), format], responses: { 200: RowC } },
  { method: 'get', path: '/v1/lineage/deployments/{deploymentId}', summary: 'Lineage of a deployment: the checkpoints it served (rollbacks included), the job that trained them, its dataset version and contributions, the mandate and vote, reward and usage fee payouts', params: [hex('deploymentId', 'The deployment id'), format], responses: { 200: RowC } },
  { method: 'get', path: '/v1/lineage/checkpoints/{root}', summary: 'Lineage of a checkpoint: the job and data behind it, and the deployments that served it', params: [hex('root', 'The checkpoint root'), format], responses: { 200: RowC } },
  { method: 'get', path: '/v1/lineage/jobs/{jobId}', summary: 'Lineage of a training job: its data, checkpoints and deployments', params: [hex('jobId', 'The training job id'), format], responses: { 200: RowC } },
  { method: 'get', path: '/v1/lineage/models/{mandateId}', summary: 'Lineage of a model (its mandate): data, jobs, checkpoints and deployments', params: [hex('mandateId', 'The mandate id'), format], responses: { 200: RowC } },
  { method: 'get', path: '/v1/lineage/{id}', summary: 'Lineage of whatever the id names: a deployment, training job, checkpoint root or mandate, looked up in that order', params: [hex('id', 'A deployment, job, checkpoint or mandate id'), format], responses: { 200: RowC } },
  { method: 'get', path: '/v1/accounts', summary: 'Accounts', params: paged, responses: { 200: wire.AccountPageC } },
  { method: 'get', path: '/v1/accounts/{key}', summary: 'One account', params: [hex('key', 'The account key'), ...query], responses: { 200: wire.AccountsRowC } },
  { method: 'get', path: '/v1/treasury', summary: 'The treasury', params: query, responses: { 200: wire.AccountsRowC } },
  { method: 'get', path: '/v1/proposals', summary: 'Proposals', params: paged, responses: { 200: wire.ProposalPageC } },
  { method: 'get', path: '/v1/proposals/{id}', summary: 'One proposal with its tally', params: [hex('id', 'The proposal id'), ...query], responses: { 200: wire.ProposalsRowC } },
  { method: 'get', path: '/v1/proposals/{id}/votes', summary: 'The votes on a proposal', params: [hex('id', 'The proposal id'), ...paged], responses: { 200: wire.ProposalPageC } },
  { method: 'get', path: '/v1/mandates', summary: 'Mandates', params: paged, responses: { 200: wire.rowPage(RowC, 'MandatePage') } },
  { method: 'get', path: '/v1/mandates/{id}', summary: 'One mandate', params: [hex('id', 'The mandate id'), ...query], responses: { 200: RowC } },
  { method: 'get', path: '/v1/jobs', summary: 'Training jobs: configuration, seed, executor, lease, progress and checkpoints', params: paged, responses: { 200: wire.JobPageC } },
  { method: 'get', path: '/v1/jobs/{id}', summary: 'One training job', params: [hex('id', 'The job id'), ...query], responses: { 200: wire.JobRowC } },
  { method: 'get', path: '/v1/jobs/{id}/checkpoints', summary: 'The checkpoints a job recorded, in log order', params: [hex('id', 'The job id'), ...paged], responses: { 200: wire.CheckpointPageC } },
  { method: 'get', path: '/v1/jobs/{id}/evaluations', summary: 'The evaluations of a job, each with the checkpoint it judged', params: [hex('id', 'The job id'), ...paged], responses: { 200: wire.EvaluationPageC } },
  { method: 'get', path: '/v1/jobs/{id}/attribution', summary: 'The latest attribution a job recorded (method, checkpoints, score summary)', params: [hex('id', 'The job id'), ...query], responses: { 200: wire.AttributionRowC } },
  { method: 'get', path: '/v1/models', summary: 'The model registry: each mandate with its dataset versions, jobs, checkpoints, evaluations and deployments', params: paged, responses: { 200: wire.ModelPageC } },
  { method: 'get', path: '/v1/models/{mandateId}', summary: 'One model of the registry', params: [hex('mandateId', 'The mandate id'), ...query], responses: { 200: wire.ModelRowC } },
  { method: 'get', path: '/v1/models/{mandateId}/history', summary: 'Every change to a model, in log order', params: [hex('mandateId', 'The mandate id'), ...paged], responses: { 200: wire.HistoryPageC } },
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
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics', responses: { 200: 'text' } },
]

function content(kind: t.Mixed | 'binary' | 'text' | 'sse' | 'empty', schemaOf: (c: t.Mixed) => JsonSchema): Record<string, unknown> | undefined {
  if (kind === 'empty') return undefined
  if (kind === 'binary') return { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } }
  if (kind === 'text') return { 'text/plain': { schema: { type: 'string' } } }
  if (kind === 'sse') return { 'text/event-stream': { schema: { type: 'string', description: 'id: sequence, event: type, data: envelope JSON' } } }
  return { 'application/json': { schema: schemaOf(kind) } }
}

let cached: object | undefined

export function openApiDocument(): object {
  if (cached !== undefined) return cached
  const registry = createSchemaRegistry()
  const problem = { description: 'An RFC 9457 problem (see /problems/{kind})', content: { 'application/problem+json': { schema: registry.schemaOf(wire.ProblemC) } } }
  const paths: Record<string, Record<string, unknown>> = {}
  for (const op of OPERATIONS) {
    const responses: Record<string, unknown> = { '4XX': problem, '5XX': problem }
    for (const [status, kind] of Object.entries(op.responses)) responses[status] = { description: status, ...(content(kind, registry.schemaOf) === undefined ? {} : { content: content(kind, registry.schemaOf) }) }
    const operation = {
      summary: op.summary,
      operationId: `${op.method}${op.path.replace(/[{}]/g, '').replace(/[/-](\w)/g, (_, c: string) => c.toUpperCase())}`,
      ...(op.params === undefined ? {} : { parameters: op.params.map((p) => ({ name: p.name, in: p.in, description: p.description, required: p.in === 'path', schema: p.schema ?? str })) }),
      ...(op.body === undefined ? {} : { requestBody: { required: true, content: content(op.body, registry.schemaOf) } }),
      responses,
    }
    paths[op.path] = { ...paths[op.path], [op.method]: operation }
  }
  cached = {
    openapi: '3.1.0',
    info: { title: 'model-ledger', version: '1', description: `Signed commands in; a verifiable log, anchors, proofs and read models out. Problem kinds: ${Object.keys(PROBLEM_KINDS).join(', ')}.` },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    paths,
    components: { schemas: registry.components },
  }
  return cached
}
