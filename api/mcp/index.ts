/**
 * The MCP server of model-ledger (docs/mcp.md): each deployment the configured API keys open is a
 * tool, and the ledger head, reward maps and lineage are resources. It is a client of a running
 * ledger service (`model-ledger serve`) and never opens a store.
 */
export { catalogueSource, maskKey, toolNames, type Catalogue, type DeploymentTool, type KeyRefusal, type Mandate } from './catalogue.js'
export { serveMcpHttp, type McpHttpOptions, type RunningMcpHttp } from './http.js'
export { registerLedgerResources } from './resources.js'
export { LINEAGE_ROUTES, lineageReader } from './lineage.js'
export { openLedgerMcp, SERVER_NAME, type LedgerMcp, type LedgerMcpOptions } from './server.js'
export { ledgerService, type ChatAnswer, type ChatInput, type GatewayModel, type LedgerService } from './service.js'
export { callDeployment, deploymentTools, toolInput, toolOutput, type ToolArgs, type ToolOutput } from './tools.js'
