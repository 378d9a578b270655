/**
 * Protocol errors without a repeated prefix. The SDK's McpError writes "MCP error CODE: " before
 * its message, the server sends that message as the JSON-RPC error's, and the client's McpError
 * adds the prefix again ("MCP error -32602: MCP error -32602: …"). An error thrown here keeps the
 * plain sentence as its message, so the client shows the prefix once.
 */
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js'

export class LedgerMcpError extends McpError {
  constructor(code: number, sentence: string) {
    super(code, sentence)
    this.message = sentence
  }
}

/** A request's parameters (a resource URI, a page) name nothing the ledger has. */
export const invalidParams = (sentence: string): LedgerMcpError => new LedgerMcpError(ErrorCode.InvalidParams, sentence)
