/**
 * The MCP server over a running ledger service: one catalogue of deployment tools shared by every
 * connection (stdio has one, Streamable HTTP one per session), re-read on start, every
 * `refreshMs`, after a gateway refusal that may mean a key or deployment changed, and whenever
 * `refresh()` is asked for; each change reaches connected clients as tools/list_changed.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { catalogueSource, type Catalogue, type DeploymentTool } from './catalogue.js'
import { registerLedgerResources } from './resources.js'
import { ledgerService, type LedgerService } from './service.js'
import { callDeployment, deploymentTools, toolInput, type DeploymentToolSet } from './tools.js'

export interface LedgerMcpOptions {
  /** The ledger service's root URL, such as http://127.0.0.1:8080 (the gateway is at /openai/v1). */
  readonly url: string
  readonly apiKeys: readonly string[]
  /** How often to re-read the catalogue (ms); 0 or absent: only on start, on refusals and when asked. */
  readonly refreshMs?: number
  /** Where diagnostics go (never stdout: under stdio that is the protocol's). */
  readonly log?: (line: string) => void
  readonly fetch?: typeof fetch
  readonly version?: string
}

export interface LedgerMcp {
  readonly service: LedgerService
  /** The deployments offered as tools now. */
  tools(): readonly DeploymentTool[]
  /** A new MCP server for one connection, with the current tools and the ledger resources. */
  createServer(): McpServer
  /** Reads the catalogue again and brings every connected server's tools up to date. */
  refresh(): Promise<Catalogue>
  close(): void
}

export const SERVER_NAME = 'model-ledger'

export async function openLedgerMcp(options: LedgerMcpOptions): Promise<LedgerMcp> {
  const log = options.log ?? (() => undefined)
  const service = ledgerService(options.url, options.fetch)
  try {
    await service.ledger.ledger()
  } catch (error) {
    throw new Error(`cannot read the ledger service at ${service.baseUrl}: ${(error as Error).message}`)
  }
  const source = catalogueSource(service, options.apiKeys)
  const toolSets = new Set<DeploymentToolSet>()
  let catalogue: Catalogue = { tools: [], refused: [] }
  let reported = ''
  let running: Promise<Catalogue> | undefined
  let queued: Promise<Catalogue> | undefined

  function report(next: Catalogue): void {
    const summary = JSON.stringify([next.tools.map((t) => [t.name, t.checkpoint]), next.refused])
    if (summary === reported) return
    reported = summary
    log(`tools: ${next.tools.length === 0 ? 'none' : next.tools.map((t) => `${t.name} (deployment ${t.deploymentId}, checkpoint ${t.checkpoint.slice(0, 12)}…)`).join(', ')}`)
    for (const r of next.refused) log(`key ${r.key} opens no deployment: ${r.status} ${r.detail}`)
  }

  function discover(): Promise<Catalogue> {
    return source.discover().then((next) => {
      catalogue = next
      report(next)
      for (const set of toolSets) set.sync(next.tools)
      return next
    })
  }

  /** One discovery at a time; one asked for meanwhile runs after it, so it sees what changed since. */
  function refresh(): Promise<Catalogue> {
    if (running === undefined) {
      running = discover().finally(() => {
        running = undefined
      })
      return running
    }
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = undefined
        return refresh()
      })
    return queued
  }

  const refreshQuietly = (): void => void refresh().catch((error: unknown) => log(`refresh failed: ${(error as Error).message}`))
  await refresh()
  const timer = options.refreshMs !== undefined && options.refreshMs > 0 ? setInterval(refreshQuietly, options.refreshMs) : undefined
  timer?.unref()

  function createServer(): McpServer {
    const server = new McpServer(
      { name: SERVER_NAME, version: options.version ?? '0.1.0' },
      { instructions: 'Each tool asks one model deployed on the model-ledger; calls are metered and charged. The resources are read from the ledger: its head, reward maps per mandate, and lineage reports.' },
    )
    // Tools may appear after the client connected, and the SDK fixes capabilities at connect:
    // registering and removing a placeholder declares the tools capability (with listChanged) now.
    server.registerTool('placeholder', { inputSchema: toolInput }, () => ({ content: [] })).remove()
    const set = deploymentTools(server, (tool, args) => callDeployment(service, tool, args, refreshQuietly))
    set.sync(catalogue.tools)
    toolSets.add(set)
    server.server.onclose = () => toolSets.delete(set)
    registerLedgerResources(server, service, () => catalogue.tools)
    return server
  }

  return {
    service,
    tools: () => catalogue.tools,
    createServer,
    refresh,
    close() {
      if (timer !== undefined) clearInterval(timer)
      toolSets.clear()
    },
  }
}
