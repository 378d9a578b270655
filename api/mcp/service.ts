/**
 * The running ledger service as the MCP server sees it: the ledger API under /v1 (through the
 * SDK's client) and the inference gateway under /openai/v1. The MCP server never opens a store:
 * everything it says, it read over HTTP, and every call it makes is metered by the gateway.
 */
import type { JsonValue } from '../../domain/json.js'
import { createClient, type LedgerClient } from '../sdk/client.js'
import { errorOf } from '../sdk/errors.js'

/** What `GET /openai/v1/models` says of a deployment a key opens. */
export interface GatewayModel {
  readonly id: string
  readonly checkpoint: string
  readonly job: string
  readonly owned_by: string
  readonly endpoint: string
}

export interface ChatInput {
  readonly prompt: string
  readonly system?: string | undefined
  readonly maxTokens?: number | undefined
}

export interface ChatAnswer {
  readonly text: string
  /** The response id, which is also the receipt's request id in the ledger. */
  readonly receipt: string
  readonly checkpoint: string
  /** The SHA-256 of the answer's UTF-8 bytes, which the receipt records (header x-ledger-answer-hash); '' when the gateway sent none. */
  readonly answerHash: string
  readonly finishReason: string
  readonly usage: { readonly promptTokens: number; readonly completionTokens: number; readonly totalTokens: number }
}

export interface LedgerService {
  readonly baseUrl: string
  readonly ledger: LedgerClient
  /** A GET under the service's root, as JSON; a problem response throws ApiError. */
  getJson(path: string): Promise<JsonValue>
  /** The deployments one API key opens. */
  models(apiKey: string): Promise<GatewayModel[]>
  chat(apiKey: string, deploymentId: string, input: ChatInput): Promise<ChatAnswer>
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
const text = (value: unknown): string => (typeof value === 'string' ? value : '')
const count = (value: unknown): number => (typeof value === 'number' && Number.isSafeInteger(value) ? value : 0)

function modelOf(value: unknown): GatewayModel | undefined {
  if (!isRecord(value) || typeof value.id !== 'string' || typeof value.checkpoint !== 'string') return undefined
  return { id: value.id, checkpoint: value.checkpoint, job: text(value.job), owned_by: text(value.owned_by), endpoint: text(value.endpoint) }
}

function answerOf(body: unknown, receiptHeader: string | null, answerHash: string | null): ChatAnswer {
  if (!isRecord(body) || !Array.isArray(body.choices)) throw new Error('the gateway answered without choices')
  const choice: unknown = body.choices[0]
  const message = isRecord(choice) && isRecord(choice.message) ? choice.message : {}
  const usage = isRecord(body.usage) ? body.usage : {}
  return {
    text: text(message.content),
    receipt: text(body.id) || (receiptHeader ?? ''),
    checkpoint: text(body.system_fingerprint),
    answerHash: answerHash !== null && /^[0-9a-f]{64}$/.test(answerHash) ? answerHash : '',
    finishReason: isRecord(choice) ? text(choice.finish_reason) : '',
    usage: { promptTokens: count(usage.prompt_tokens), completionTokens: count(usage.completion_tokens), totalTokens: count(usage.total_tokens) },
  }
}

export function ledgerService(baseUrl: string, fetchImpl: typeof fetch = fetch): LedgerService {
  const base = baseUrl.replace(/\/+$/, '')
  const ledger = createClient({ baseUrl: base, fetch: fetchImpl })

  async function send(path: string, init: RequestInit): Promise<Response> {
    const response = await fetchImpl(`${base}${path}`, init)
    if (!response.ok) throw await errorOf(response)
    return response
  }
  const bearer = (apiKey: string): Record<string, string> => ({ authorization: `Bearer ${apiKey}`, accept: 'application/json' })

  return {
    baseUrl: base,
    ledger,
    getJson: async (path) => (await (await send(path, { headers: { accept: 'application/json' } })).json()) as JsonValue,
    async models(apiKey) {
      const body: unknown = await (await send('/openai/v1/models', { headers: bearer(apiKey) })).json()
      const data = isRecord(body) && Array.isArray(body.data) ? body.data : []
      return data.map(modelOf).filter((m): m is GatewayModel => m !== undefined)
    },
    async chat(apiKey, deploymentId, input) {
      const messages = [...(input.system === undefined ? [] : [{ role: 'system', content: input.system }]), { role: 'user', content: input.prompt }]
      const body = { model: deploymentId, messages, ...(input.maxTokens === undefined ? {} : { max_tokens: input.maxTokens }) }
      const response = await send('/openai/v1/chat/completions', { method: 'POST', headers: { ...bearer(apiKey), 'content-type': 'application/json' }, body: JSON.stringify(body) })
      return answerOf(await response.json(), response.headers.get('x-ledger-receipt'), response.headers.get('x-ledger-answer-hash'))
    },
  }
}
