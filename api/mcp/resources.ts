/**
 * The ledger as MCP resources, each read from the service's HTTP API as JSON:
 *   ledger://head                      GET /v1/ledger: public key, head, latest anchor envelope
 *   ledger://reward-maps/{mandateId}   GET /v1/reward-maps/{mandateId}, every page: each closed epoch
 *   ledger://lineage/{id}              the first lineage route that knows the id (LINEAGE_ROUTES)
 *   ledger://consent/{deploymentId}    GET /v1/deployments/{id}: the checkpoint served, and whether
 *                                      consent to its training data was withdrawn (docs/mcp.md)
 */
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { ErrorCode, McpError, type ReadResourceResult, type Resource } from '@modelcontextprotocol/sdk/types.js'
import type { JsonValue } from '../../domain/json.js'
import { isApiError } from '../sdk/errors.js'
import type { DeploymentTool } from './catalogue.js'
import type { LedgerService } from './service.js'

const JSON_TYPE = 'application/json'
const HEX64 = /^[0-9a-f]{64}$/
const PAGE = 1000

/**
 * Where `ledger://lineage/{id}` looks, in order: `/v1/lineage/{id}`, which resolves any id (a
 * deployment, training job, checkpoint root or mandate) where the service has that route; then,
 * for services without it, a deployment's lineage and a mandate's (the model it commissioned).
 * An id a route does not know (404, as is a route the service lacks) falls through to the next.
 */
export const LINEAGE_ROUTES = ['/v1/lineage/', '/v1/lineage/deployments/', '/v1/lineage/mandates/'] as const

const isRecord = (value: unknown): value is Record<string, JsonValue> => typeof value === 'object' && value !== null && !Array.isArray(value)

function jsonContents(uri: URL, value: JsonValue): ReadResourceResult {
  return { contents: [{ uri: uri.href, mimeType: JSON_TYPE, text: JSON.stringify(value, null, 2) }] }
}

function idOf(value: string | string[] | undefined, what: string): string {
  const id = Array.isArray(value) ? value[0] : value
  if (id === undefined || !HEX64.test(id)) throw new McpError(ErrorCode.InvalidParams, `${what} is 64 lower-case hex digits`)
  return id
}

/** Every item of a paged read-model route, following its cursors. */
async function allItems(service: LedgerService, path: string): Promise<{ items: JsonValue[]; checkpoint: number }> {
  const items: JsonValue[] = []
  let cursor: string | null = null
  let checkpoint = 0
  do {
    const page: JsonValue = await service.getJson(`${path}?limit=${PAGE}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`)
    if (!isRecord(page) || !Array.isArray(page.items)) throw new Error(`${path} did not answer with a page`)
    items.push(...page.items)
    checkpoint = typeof page.checkpoint === 'number' ? page.checkpoint : checkpoint
    cursor = typeof page.next === 'string' ? page.next : null
  } while (cursor !== null)
  return { items, checkpoint }
}

interface MandateRow {
  readonly id: string
  readonly title: string
}

async function mandates(service: LedgerService): Promise<MandateRow[]> {
  const { items } = await allItems(service, '/v1/mandates')
  return items.filter(isRecord).flatMap((m) => (typeof m.id === 'string' ? [{ id: m.id, title: typeof m.title === 'string' ? m.title : m.id }] : []))
}

/** One row the service must know: a 404 is the caller's error (`the ledger has no <what> <id>`). */
async function known(service: LedgerService, path: string, what: string, id: string): Promise<JsonValue> {
  try {
    return await service.getJson(path)
  } catch (error) {
    if (isApiError(error) && error.status === 404) throw new McpError(ErrorCode.InvalidParams, `the ledger has no ${what} ${id}`)
    throw error
  }
}

async function rewardMaps(service: LedgerService, mandateId: string): Promise<JsonValue> {
  const mandate = await known(service, `/v1/mandates/${mandateId}`, 'mandate', mandateId)
  const { items, checkpoint } = await allItems(service, `/v1/reward-maps/${mandateId}`)
  return { mandateId, title: isRecord(mandate) ? (mandate.title ?? null) : null, checkpoint, epochs: items }
}

async function lineage(service: LedgerService, id: string): Promise<JsonValue> {
  for (const route of LINEAGE_ROUTES) {
    try {
      return await service.getJson(`${route}${id}`)
    } catch (error) {
      if (!(isApiError(error) && error.status === 404)) throw error
    }
  }
  throw new McpError(ErrorCode.InvalidParams, `no lineage for ${id}: the ledger knows it as no deployment, training job, checkpoint or mandate`)
}

/** The consent part of a deployment's registry row: what the checkpoint it serves was trained on, and what was withdrawn from it. */
async function consent(service: LedgerService, deploymentId: string): Promise<JsonValue> {
  const row = await known(service, `/v1/deployments/${deploymentId}`, 'deployment', deploymentId)
  if (!isRecord(row) || !isRecord(row.consent)) throw new Error(`/v1/deployments/${deploymentId} did not answer with a deployment`)
  const { mandateId = null, status = null, serving = null, consent: flags, updatedSequence = null } = row
  return { deploymentId, mandateId, status, serving, consent: flags, updatedSequence }
}

const resource = (uri: string, name: string, title: string, description: string): Resource => ({ uri, name, title, description, mimeType: JSON_TYPE })

export function registerLedgerResources(server: McpServer, service: LedgerService, deployments: () => readonly DeploymentTool[]): void {
  server.registerResource(
    'ledger-head',
    'ledger://head',
    { title: 'Ledger head', description: "The ledger's public key, its head (sequence, hash, time) and the latest signed anchor envelope.", mimeType: JSON_TYPE },
    async (uri) => jsonContents(uri, await service.getJson('/v1/ledger')),
  )

  server.registerResource(
    'reward-maps',
    new ResourceTemplate('ledger://reward-maps/{mandateId}', {
      list: async () => ({
        resources: (await mandates(service)).map((m) => resource(`ledger://reward-maps/${m.id}`, `reward-maps-${m.id.slice(0, 8)}`, `Reward maps: ${m.title}`, `Every closed reward epoch of mandate ${m.id}: pools, payouts and map hash.`)),
      }),
    }),
    { title: 'Reward maps of a mandate', description: "Every closed reward epoch of a mandate: its pools, each recipient's payout and the map hash (GET /v1/reward-maps/{mandateId}).", mimeType: JSON_TYPE },
    async (uri, variables) => jsonContents(uri, await rewardMaps(service, idOf(variables.mandateId, 'mandateId'))),
  )

  server.registerResource(
    'lineage',
    new ResourceTemplate('ledger://lineage/{id}', {
      list: async () => ({
        resources: [
          ...deployments().map((d) => resource(`ledger://lineage/${d.deploymentId}`, `lineage-${d.deploymentId.slice(0, 8)}`, `Lineage: deployment ${d.deploymentId.slice(0, 8)}…`, `Where deployment ${d.deploymentId} comes from, each item with its inclusion proof.`)),
          ...(await mandates(service)).map((m) => resource(`ledger://lineage/${m.id}`, `lineage-${m.id.slice(0, 8)}`, `Lineage: ${m.title}`, `Mandate ${m.id} and everything under it, each item with its inclusion proof.`)),
        ],
      }),
    }),
    {
      title: 'Lineage of a deployment, job, checkpoint or mandate',
      description: 'The lineage report (docs/lineage.md) of a deployment, training job, checkpoint root or mandate id: every item with its event and inclusion proof, checkable offline with model-ledger verify-report.',
      mimeType: JSON_TYPE,
    },
    async (uri, variables) => jsonContents(uri, await lineage(service, idOf(variables.id, 'id'))),
  )

  server.registerResource(
    'consent',
    new ResourceTemplate('ledger://consent/{deploymentId}', {
      list: () => ({
        resources: deployments().map((d) =>
          resource(`ledger://consent/${d.deploymentId}`, `consent-${d.deploymentId.slice(0, 8)}`, `Consent: deployment ${d.deploymentId.slice(0, 8)}…`, `Whether consent to the training data of what deployment ${d.deploymentId} serves was withdrawn.`),
        ),
      }),
    }),
    {
      title: 'Consent of a deployment’s training data',
      description:
        'The checkpoint a deployment serves and its consent: consented; revoked (contributions withdrawn from its dataset version, retrain by retrainBy); or suspended past that deadline (docs/deployment.md, GET /v1/deployments/{id}).',
      mimeType: JSON_TYPE,
    },
    async (uri, variables) => jsonContents(uri, await consent(service, idOf(variables.deploymentId, 'deploymentId'))),
  )
}
