/**
 * Which deployments the MCP server offers as tools: those the configured API keys open
 * (`GET /openai/v1/models` with each key), each with the checkpoint it serves and the mandate it
 * was commissioned by. The mandate comes from the ledger itself: the training job is a recorded
 * command (`GET /v1/commands/{job}`) naming its mandate, whose title `GET /v1/mandates/{id}` gives.
 */
import { isApiError } from '../sdk/errors.js'
import type { LedgerService } from './service.js'

export interface Mandate {
  readonly id: string
  readonly title: string | null
}

export interface DeploymentTool {
  /** The MCP tool name (^[a-zA-Z0-9_-]{1,64}$). */
  readonly name: string
  readonly deploymentId: string
  readonly checkpoint: string
  readonly jobId: string
  readonly operator: string
  readonly mandate: Mandate | null
  /** The key the tool's calls are made (and charged) with: the first configured key that opens it. */
  readonly apiKey: string
}

export interface KeyRefusal {
  /** The key, masked. */
  readonly key: string
  readonly status: number
  readonly detail: string
}

export interface Catalogue {
  readonly tools: readonly DeploymentTool[]
  /** Keys the gateway refused (unknown, revoked, expired …): they open no tool. */
  readonly refused: readonly KeyRefusal[]
}

const TOOL_PREFIX = 'deployment_'
const MAX_NAME = 64

/** A key as logs and errors show it: enough to tell keys apart, not enough to use one. */
export const maskKey = (key: string): string => (key.length <= 12 ? '…' : `${key.slice(0, 6)}…${key.slice(-4)}`)

/** Tool names from deployment ids: a 16-digit prefix, longer only where two ids would share one. */
export function toolNames(deploymentIds: readonly string[]): Map<string, string> {
  const nameAt = (id: string, digits: number): string => `${TOOL_PREFIX}${id.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, digits)}`
  const short = deploymentIds.map((id) => nameAt(id, 16))
  const clash = new Set(short.filter((name, i) => short.indexOf(name) !== i))
  return new Map(deploymentIds.map((id, i) => [id, clash.has(short[i] as string) ? nameAt(id, MAX_NAME - TOOL_PREFIX.length) : (short[i] as string)]))
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

export interface CatalogueSource {
  discover(): Promise<Catalogue>
}

/** Discovers the deployments the keys open; mandates are looked up once per training job. */
export function catalogueSource(service: LedgerService, apiKeys: readonly string[]): CatalogueSource {
  const mandates = new Map<string, Mandate>()

  async function mandateOf(jobId: string): Promise<Mandate | null> {
    const known = mandates.get(jobId)
    if (known !== undefined) return known
    try {
      const payload: unknown = (await service.ledger.command(jobId)).command.payload
      if (!isRecord(payload) || typeof payload.mandateId !== 'string') return null
      const row: unknown = await service.ledger.mandate(payload.mandateId)
      const mandate = { id: payload.mandateId, title: isRecord(row) && typeof row.title === 'string' ? row.title : null }
      if (mandate.title !== null) mandates.set(jobId, mandate)
      return mandate
    } catch (error) {
      if (isApiError(error)) return null
      throw error
    }
  }

  return {
    async discover() {
      const refused: KeyRefusal[] = []
      const opened = new Map<string, { model: Awaited<ReturnType<LedgerService['models']>>[number]; apiKey: string }>()
      for (const apiKey of apiKeys) {
        try {
          for (const model of await service.models(apiKey)) if (!opened.has(model.id)) opened.set(model.id, { model, apiKey })
        } catch (error) {
          if (!isApiError(error)) throw error
          refused.push({ key: maskKey(apiKey), status: error.status, detail: error.problem.detail })
        }
      }
      const names = toolNames([...opened.keys()])
      const tools: DeploymentTool[] = []
      for (const [id, { model, apiKey }] of opened) {
        tools.push({ name: names.get(id) as string, deploymentId: id, checkpoint: model.checkpoint, jobId: model.job, operator: model.owned_by, mandate: model.job === '' ? null : await mandateOf(model.job), apiKey })
      }
      return { tools, refused }
    },
  }
}
