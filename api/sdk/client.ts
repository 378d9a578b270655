/**
 * The typed client for the model-ledger HTTP API. Commands are signed here, with the actor's key,
 * over SHA-256 of the canonical command: the server never sees a private key.
 *
 *   const ledger = createClient({ baseUrl })
 *   const alice = ledger.actor(generateKey())
 *   const { lastSequence } = await alice.governance({ type: 'WrapOpen', payload: { amount: tokens(5) } })
 *   const account = await ledger.account(alice.publicKey, { after: lastSequence })
 */
import { randomUUID } from 'node:crypto'
import type { JsonValue } from '../../domain/json.js'
import { signCommand, type SignedCommand } from '../../domain/ledger/command.js'
import type { Envelope } from '../../domain/ledger/envelope.js'
import type { InclusionProof } from '../../domain/ledger/proof.js'
import type { Signer } from '../../domain/ports/crypto.js'
import { GovernanceRequestC, type GovernanceRequest } from '../../domain/governance/commands.js'
import { encodeRequest, type EconomyCommand } from '../../domain/economy/index.js'
import { nativeCrypto } from '../../infrastructure/crypto/native.js'
import type { LineageReport } from '../../projections/lineage/report.js'
import type {
  AccountJson,
  AnchorPage,
  AttributionJson,
  BatchJson,
  AppealJson,
  BackerJson,
  BlobStored,
  CheckpointJson,
  CommandAccepted,
  DeploymentJson,
  DeploymentUsageJson,
  DisputeJson,
  EvaluationJson,
  EventPage,
  GrantJson,
  HistoryJson,
  JobJson,
  LedgerInfo,
  ModelJson,
  ParameterChangeJson,
  ParameterJson,
  ProposalJson,
  Readiness,
  ReadModelsJson,
  RecipientJson,
  RowPage,
  TreasuryJson,
  VoteJson,
} from '../http/wire.js'
import { errorOf } from './errors.js'
import type { ActorKey } from './keys.js'
import { subscribeEvents, type EventSubscription, type SubscribeOptions } from './sse.js'

export interface ClientOptions {
  /** Where the server listens, such as http://127.0.0.1:8080 (no trailing slash needed). */
  readonly baseUrl: string
  readonly fetch?: typeof fetch
  /** Sent with every request (an auth header of a proxy in front, say). */
  readonly headers?: Readonly<Record<string, string>>
  /**
   * The id of the ledger commands are signed for (GET /v1/ledger's `ledgerId`). When left out,
   * the client learns it from the server on its first `send` or `ledger()` call; pin it to be sure
   * that a command can only ever apply to the ledger you meant.
   */
  readonly ledger?: string
  /** The time commands are signed at, unless a send says otherwise (default: the system clock). */
  readonly now?: () => Date
}

/** Point in time and read-your-writes for queries. */
export interface QueryOptions {
  /** A sequence or an ISO time: the answer as the log stood then. */
  readonly at?: number | string
  /** Waits until the read models have folded this sequence (your own command's lastSequence). */
  readonly after?: number
}

export interface PageOptions extends QueryOptions {
  readonly limit?: number
  readonly cursor?: string
}

export interface SendOptions {
  /** Default: a random UUID. Reuse a nonce only to resend the very same command. */
  readonly nonce?: string
  readonly issuedAt?: Date
}

export interface ActorClient {
  readonly publicKey: string
  /** Signs without sending: for resending, auditing, or handing to another transport. */
  sign(type: string, payload: JsonValue, options?: SendOptions): SignedCommand
  send(type: string, payload: JsonValue, options?: SendOptions): Promise<CommandAccepted>
  /** A governance command, typed (amounts as bigint), encoded with the domain's own codec. */
  governance(request: GovernanceRequest, options?: SendOptions): Promise<CommandAccepted>
  /**
   * Any command of the economy vertical (datanets, training, deployments and usage: `AcceptGrant`,
   * `WithdrawUsageEscrow`, `CompleteUsageEscrowWithdrawal`, …), typed, encoded with the domain's codec.
   */
  economy(request: EconomyRequest, options?: SendOptions): Promise<CommandAccepted>
}

/** An economy command as a client writes it: its type and typed payload, without the actor (the signer is). */
export type EconomyRequest = Omit<EconomyCommand, 'actor'>

function query(options: Readonly<Record<string, string | number | undefined>>): string {
  const entries = Object.entries(options).filter((entry): entry is [string, string | number] => entry[1] !== undefined)
  return entries.length === 0 ? '' : `?${new URLSearchParams(entries.map(([k, v]): [string, string] => [k, String(v)])).toString()}`
}

const pageQuery = (o: PageOptions = {}): string => query({ at: o.at, after: o.after, limit: o.limit, cursor: o.cursor })

export function createClient(options: ClientOptions) {
  const base = options.baseUrl.replace(/\/+$/, '')
  const fetchImpl = options.fetch ?? fetch

  async function request<T>(method: string, path: string, body?: { json: unknown } | { bytes: Uint8Array }): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers }
    let payload: string | Uint8Array | undefined
    if (body !== undefined && 'json' in body) {
      headers['content-type'] = 'application/json'
      payload = JSON.stringify(body.json)
    } else if (body !== undefined) {
      headers['content-type'] = 'application/octet-stream'
      payload = body.bytes
    }
    const response = await fetchImpl(`${base}${path}`, { method, headers, ...(payload === undefined ? {} : { body: payload }) })
    if (!response.ok) throw await errorOf(response)
    return (await response.json()) as T
  }
  const get = <T>(path: string): Promise<T> => request<T>('GET', path)

  const submit = (signed: SignedCommand): Promise<CommandAccepted> => request<CommandAccepted>('POST', '/v1/commands', { json: signed })

  let ledgerId = options.ledger
  async function ledgerInfo(): Promise<LedgerInfo> {
    const info = await get<LedgerInfo>('/v1/ledger')
    if (ledgerId !== undefined && info.ledgerId !== ledgerId) throw new Error(`the server is ledger ${info.ledgerId}, not the pinned ${ledgerId}`)
    ledgerId = info.ledgerId
    return info
  }
  const knownLedger = async (): Promise<string> => ledgerId ?? (await ledgerInfo()).ledgerId

  function actor(key: ActorKey | Signer): ActorClient {
    const signer = 'signer' in key ? key.signer : key
    const publicKey = Buffer.from(signer.publicKey).toString('hex')
    const sign = (type: string, payload: JsonValue, o: SendOptions = {}): SignedCommand => {
      if (ledgerId === undefined) throw new Error('the ledger id is not known yet: pass `ledger` to createClient, or await client.ledger() or a send first')
      return signCommand({ type, payload, actor: publicKey, nonce: o.nonce ?? randomUUID(), issuedAt: (o.issuedAt ?? options.now?.() ?? new Date()).toISOString(), ledger: ledgerId }, signer, nativeCrypto)
    }
    const send = async (type: string, payload: JsonValue, o?: SendOptions): Promise<CommandAccepted> => {
      await knownLedger()
      return submit(sign(type, payload, o))
    }
    return {
      publicKey,
      sign,
      send,
      governance(req, o) {
        const wire = GovernanceRequestC.encode(req) as { type: string; payload: JsonValue }
        return send(wire.type, wire.payload, o)
      },
      economy(req, o) {
        const wire = encodeRequest(req)
        return submit(sign(wire.type, wire.payload, o))
      },
    }
  }

  return {
    baseUrl: base,
    submit,
    actor,
    // audit
    ledger: ledgerInfo,
    events: (o: { from?: number; limit?: number } = {}) => get<EventPage>(`/v1/events${query(o)}`),
    event: (sequence: number) => get<Envelope>(`/v1/events/${sequence}`),
    command: (hash: string) => get<SignedCommand>(`/v1/commands/${hash}`),
    anchors: (o: { from?: number; limit?: number } = {}) => get<AnchorPage>(`/v1/anchors${query(o)}`),
    proof: (sequence: number) => get<InclusionProof>(`/v1/proofs/${sequence}`),
    subscribe: (o: SubscribeOptions = {}): EventSubscription => subscribeEvents(base, fetchImpl, o),
    // read models
    account: (key: string, o: QueryOptions = {}) => get<AccountJson>(`/v1/accounts/${key}${pageQuery(o)}`),
    accounts: (o: PageOptions = {}) => get<RowPage<AccountJson>>(`/v1/accounts${pageQuery(o)}`),
    treasury: (o: QueryOptions = {}) => get<TreasuryJson>(`/v1/treasury${pageQuery(o)}`),
    proposal: (id: string, o: QueryOptions = {}) => get<ProposalJson>(`/v1/proposals/${id}${pageQuery(o)}`),
    proposals: (o: PageOptions = {}) => get<RowPage<ProposalJson>>(`/v1/proposals${pageQuery(o)}`),
    votes: (id: string, o: PageOptions = {}) => get<RowPage<VoteJson>>(`/v1/proposals/${id}/votes${pageQuery(o)}`),
    backers: (id: string, o: PageOptions = {}) => get<RowPage<BackerJson>>(`/v1/proposals/${id}/backers${pageQuery(o)}`),
    parameters: (o: PageOptions = {}) => get<RowPage<ParameterJson>>(`/v1/parameters${pageQuery(o)}`),
    parameterHistory: (o: PageOptions = {}) => get<RowPage<ParameterChangeJson>>(`/v1/parameters/history${pageQuery(o)}`),
    appeals: (o: PageOptions = {}) => get<RowPage<AppealJson>>(`/v1/appeals${pageQuery(o)}`),
    appeal: (id: string, o: QueryOptions = {}) => get<AppealJson>(`/v1/appeals/${id}${pageQuery(o)}`),
    disputes: (o: PageOptions = {}) => get<RowPage<DisputeJson>>(`/v1/disputes${pageQuery(o)}`),
    dispute: (id: string, o: QueryOptions = {}) => get<DisputeJson>(`/v1/disputes/${id}${pageQuery(o)}`),
    mandate: (id: string, o: QueryOptions = {}) => get<JsonValue>(`/v1/mandates/${id}${pageQuery(o)}`),
    mandates: (o: PageOptions = {}) => get<RowPage<JsonValue>>(`/v1/mandates${pageQuery(o)}`),
    // training, the model registry, deployments and usage
    jobs: (o: PageOptions = {}) => get<RowPage<JobJson>>(`/v1/jobs${pageQuery(o)}`),
    job: (id: string, o: QueryOptions = {}) => get<JobJson>(`/v1/jobs/${id}${pageQuery(o)}`),
    checkpoints: (jobId: string, o: PageOptions = {}) => get<RowPage<CheckpointJson>>(`/v1/jobs/${jobId}/checkpoints${pageQuery(o)}`),
    evaluations: (jobId: string, o: PageOptions = {}) => get<RowPage<EvaluationJson>>(`/v1/jobs/${jobId}/evaluations${pageQuery(o)}`),
    attribution: (jobId: string, o: QueryOptions = {}) => get<AttributionJson>(`/v1/jobs/${jobId}/attribution${pageQuery(o)}`),
    models: (o: PageOptions = {}) => get<RowPage<ModelJson>>(`/v1/models${pageQuery(o)}`),
    model: (mandateId: string, o: QueryOptions = {}) => get<ModelJson>(`/v1/models/${mandateId}${pageQuery(o)}`),
    modelHistory: (mandateId: string, o: PageOptions = {}) => get<RowPage<HistoryJson>>(`/v1/models/${mandateId}/history${pageQuery(o)}`),
    deployments: (o: PageOptions = {}) => get<RowPage<DeploymentJson>>(`/v1/deployments${pageQuery(o)}`),
    deployment: (id: string, o: QueryOptions = {}) => get<DeploymentJson>(`/v1/deployments/${id}${pageQuery(o)}`),
    usage: (deploymentId: string, o: QueryOptions = {}) => get<DeploymentUsageJson>(`/v1/deployments/${deploymentId}/usage${pageQuery(o)}`),
    usageRecipients: (deploymentId: string, o: PageOptions = {}) => get<RowPage<RecipientJson>>(`/v1/deployments/${deploymentId}/usage/recipients${pageQuery(o)}`),
    usageGrants: (deploymentId: string, o: PageOptions = {}) => get<RowPage<GrantJson>>(`/v1/deployments/${deploymentId}/usage/grants${pageQuery(o)}`),
    usageBatches: (deploymentId: string, o: PageOptions = {}) => get<RowPage<BatchJson>>(`/v1/deployments/${deploymentId}/usage/batches${pageQuery(o)}`),
    /** A lineage report (check it offline with verifyLineageReport or `model-ledger verify-report`) for a deployment, job, checkpoint or mandate id. */
    lineage: (id: string) => get<LineageReport>(`/v1/lineage/${id}`),
    readModels: () => get<ReadModelsJson>('/v1/read-models'),
    rows: (name: string, o: PageOptions & { prefix?: string } = {}) => get<RowPage<JsonValue>>(`/v1/read-models/${name}/rows${query({ at: o.at, after: o.after, limit: o.limit, cursor: o.cursor, prefix: o.prefix })}`),
    row: (name: string, key: string, o: QueryOptions = {}) => get<JsonValue>(`/v1/read-models/${name}/rows/${encodeURIComponent(key)}${pageQuery(o)}`),
    // blobs
    putBlob: async (bytes: Uint8Array): Promise<BlobStored> => {
      const hash = Buffer.from(nativeCrypto.sha256(bytes)).toString('hex')
      return request<BlobStored>('PUT', `/v1/blobs/${hash}`, { bytes })
    },
    getBlob: async (hash: string): Promise<Uint8Array> => {
      const response = await fetchImpl(`${base}/v1/blobs/${hash}`, { headers: { ...options.headers } })
      if (!response.ok) throw await errorOf(response)
      return new Uint8Array(await response.arrayBuffer())
    },
    // operations
    health: () => get<{ status: 'ok'; covers: string[]; notCovered: string[]; see: string }>('/healthz'),
    ready: () => get<Readiness>('/readyz'),
  }
}

export type LedgerClient = ReturnType<typeof createClient>
