/**
 * Each deployment as an MCP tool. A call is one `POST /openai/v1/chat/completions` with the
 * tool's API key, so it is authorised, metered and charged like any other gateway request; the
 * result names the ledger receipt. A gateway refusal (401, 403, 404, 410, 429 …) is a tool
 * result with isError and the problem's detail, never a protocol error.
 */
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import * as z from 'zod/v4'
import { isApiError } from '../sdk/errors.js'
import type { DeploymentTool } from './catalogue.js'
import type { LedgerService } from './service.js'

export const toolInput = {
  prompt: z.string().min(1).describe('What to ask the model (the user message).'),
  system: z.string().optional().describe('An optional system message sent before the prompt.'),
  max_tokens: z.number().int().positive().optional().describe('The most tokens to generate; the grant\'s remaining quota caps it too.'),
}

export const toolOutput = {
  deploymentId: z.string(),
  receipt: z.string().describe('The response id: the request id of the usage receipt the ledger records.'),
  checkpoint: z.string().describe('The Merkle root of the checkpoint that answered.'),
  answerHash: z.string().describe("The SHA-256 of the answer's UTF-8 bytes, which the usage receipt records: `model-ledger audit-answer` takes only the text that hashes to it. Empty when the gateway sent none."),
  finishReason: z.string(),
  usage: z.object({ inputTokens: z.number().int(), outputTokens: z.number().int(), totalTokens: z.number().int() }),
}

export type ToolArgs = z.infer<z.ZodObject<typeof toolInput>>
export type ToolOutput = z.infer<z.ZodObject<typeof toolOutput>>

/** Statuses after which the catalogue is worth reading again: the key or the deployment changed. */
export const STALE_STATUSES: ReadonlySet<number> = new Set([401, 403, 404, 410])

const failure = (text: string): CallToolResult => ({ content: [{ type: 'text', text }], isError: true })

export function describeTool(tool: DeploymentTool): { title: string; description: string } {
  const short = `${tool.deploymentId.slice(0, 8)}…`
  const mandate = tool.mandate === null ? '' : ` for the mandate ${tool.mandate.title === null ? tool.mandate.id : `"${tool.mandate.title}" (${tool.mandate.id})`}`
  return {
    title: tool.mandate?.title == null ? `Deployment ${short}` : `${tool.mandate.title} (deployment ${short})`,
    description:
      `Ask the model deployed as ${tool.deploymentId}${mandate}. It serves checkpoint ${tool.checkpoint}` +
      `${tool.jobId === '' ? '' : ` from training job ${tool.jobId}`}, operated by ${tool.operator}. ` +
      "Each call is metered by the ledger's gateway and charged to the API key's usage escrow; " +
      'the structured result names the ledger receipt, the checkpoint that answered, the answer\'s hash the receipt records and the token usage.',
  }
}

/** Calls the deployment; refusals become isError results, and `onStale` hears of those that may mean the catalogue changed. */
export async function callDeployment(service: LedgerService, tool: DeploymentTool, args: ToolArgs, onStale: () => void): Promise<CallToolResult> {
  try {
    const answer = await service.chat(tool.apiKey, tool.deploymentId, { prompt: args.prompt, system: args.system, maxTokens: args.max_tokens })
    const structured: ToolOutput = {
      deploymentId: tool.deploymentId,
      receipt: answer.receipt,
      checkpoint: answer.checkpoint,
      answerHash: answer.answerHash,
      finishReason: answer.finishReason,
      usage: { inputTokens: answer.usage.promptTokens, outputTokens: answer.usage.completionTokens, totalTokens: answer.usage.totalTokens },
    }
    // The answer first; the same structured content as JSON text for clients that ignore structuredContent.
    return { content: [{ type: 'text', text: answer.text }, { type: 'text', text: JSON.stringify(structured) }], structuredContent: structured }
  } catch (error) {
    if (isApiError(error)) {
      if (STALE_STATUSES.has(error.status)) onStale()
      const code = error.code === undefined ? '' : `, ${error.code}`
      return failure(`the gateway refused the call (${error.status} ${error.problem.title}${code}): ${error.problem.detail}`)
    }
    return failure(`the ledger service at ${service.baseUrl} could not be reached: ${(error as Error).message}`)
  }
}

const sameTool = (a: DeploymentTool, b: DeploymentTool): boolean =>
  a.deploymentId === b.deploymentId && a.checkpoint === b.checkpoint && a.apiKey === b.apiKey && a.jobId === b.jobId && a.operator === b.operator && a.mandate?.title === b.mandate?.title

export interface DeploymentToolSet {
  /** Registers new deployments, re-registers changed ones and removes the rest; each change notifies the client (tools/list_changed). */
  sync(tools: readonly DeploymentTool[]): void
}

export function deploymentTools(server: McpServer, call: (tool: DeploymentTool, args: ToolArgs) => Promise<CallToolResult>): DeploymentToolSet {
  const registered = new Map<string, { tool: DeploymentTool; handle: RegisteredTool }>()
  const register = (tool: DeploymentTool): RegisteredTool =>
    server.registerTool(
      tool.name,
      { ...describeTool(tool), inputSchema: toolInput, outputSchema: toolOutput, annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false } },
      (args) => call(tool, args),
    )
  return {
    sync(tools) {
      const wanted = new Map(tools.map((t) => [t.name, t]))
      for (const [name, r] of registered) {
        const next = wanted.get(name)
        if (next !== undefined && sameTool(next, r.tool)) continue
        r.handle.remove()
        registered.delete(name)
      }
      for (const tool of tools) if (!registered.has(tool.name)) registered.set(tool.name, { tool, handle: register(tool) })
    },
  }
}
