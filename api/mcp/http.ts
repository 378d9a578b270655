/**
 * The MCP server over Streamable HTTP at /mcp: one MCP server and transport per session
 * (Mcp-Session-Id), so each client gets its own tools/list_changed stream. The app comes from the
 * SDK's createMcpExpressApp, which checks the Host header (DNS rebinding) when bound to localhost.
 * Anyone who reaches /mcp spends the configured keys' escrow: bind to localhost (the default), or
 * set a bearer token that every request must carry.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { NextFunction, Request, Response } from 'express'
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js'
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js'
import type { LedgerMcp } from './server.js'

export interface McpHttpOptions {
  readonly host?: string
  /** 0 picks a free port. */
  readonly port?: number
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  readonly bearerToken?: string
  /** A session with nothing open and no request for this long is closed (default 30 minutes). */
  readonly idleMs?: number
  readonly maxSessions?: number
  readonly log?: (line: string) => void
}

export interface RunningMcpHttp {
  /** The endpoint, such as http://127.0.0.1:8765/mcp. */
  readonly url: string
  readonly sessions: () => number
  close(): Promise<void>
}

interface Session {
  readonly transport: StreamableHTTPServerTransport
  readonly server: McpServer
  open: number
  lastActive: number
}

function rpcError(res: Response, status: number, code: number, message: string): void {
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null })
}

function bearerGuard(token: string) {
  const expected = Buffer.from(`Bearer ${token}`)
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = Buffer.from(req.header('authorization') ?? '')
    if (given.length === expected.length && timingSafeEqual(given, expected)) return next()
    res.setHeader('www-authenticate', 'Bearer')
    rpcError(res, 401, -32001, 'this MCP endpoint needs Authorization: Bearer <token>')
  }
}

export async function serveMcpHttp(mcp: LedgerMcp, options: McpHttpOptions = {}): Promise<RunningMcpHttp> {
  const host = options.host ?? '127.0.0.1'
  const log = options.log ?? (() => undefined)
  const idleMs = options.idleMs ?? 30 * 60_000
  const maxSessions = options.maxSessions ?? 100
  const sessions = new Map<string, Session>()
  const app = createMcpExpressApp({ host })
  if (options.bearerToken !== undefined) app.use('/mcp', bearerGuard(options.bearerToken))

  /** Counts the response as open until it closes, so a listening SSE stream keeps its session alive. */
  function track(session: Session, res: Response): void {
    session.open += 1
    res.on('close', () => {
      session.open -= 1
      session.lastActive = Date.now()
    })
  }

  async function open(req: Request, res: Response): Promise<void> {
    if (sessions.size >= maxSessions) {
      res.setHeader('retry-after', '5')
      return rpcError(res, 503, -32000, 'too many open sessions')
    }
    const server = mcp.createServer()
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, server, open: 0, lastActive: Date.now() })
      },
    })
    transport.onclose = () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId)
    }
    await server.connect(transport)
    await transport.handleRequest(req, res, req.body)
    if (transport.sessionId === undefined) await server.close()
  }

  async function handle(req: Request, res: Response): Promise<void> {
    const id = req.header('mcp-session-id')
    const session = id === undefined ? undefined : sessions.get(id)
    if (session !== undefined) {
      track(session, res)
      return session.transport.handleRequest(req, res, req.body)
    }
    if (id !== undefined) return rpcError(res, 404, -32001, 'session not found: initialize a new one')
    if (req.method === 'POST' && isInitializeRequest(req.body)) return open(req, res)
    return rpcError(res, 400, -32000, 'no valid Mcp-Session-Id: initialize first')
  }

  const route = (req: Request, res: Response): void => {
    handle(req, res).catch((error: unknown) => {
      log(`mcp request failed: ${(error as Error).message}`)
      if (!res.headersSent) rpcError(res, 500, -32603, 'internal error')
    })
  }
  app.post('/mcp', route)
  app.get('/mcp', route)
  app.delete('/mcp', route)

  const sweep = setInterval(() => {
    const cutoff = Date.now() - idleMs
    for (const s of sessions.values()) if (s.open === 0 && s.lastActive < cutoff) void s.transport.close()
  }, Math.min(60_000, idleMs))
  sweep.unref()

  const http = createServer(app)
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(options.port ?? 0, host, () => resolve())
  })
  const address = http.address() as AddressInfo
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    url: `http://${shown}:${address.port}/mcp`,
    sessions: () => sessions.size,
    async close() {
      clearInterval(sweep)
      for (const s of [...sessions.values()]) await s.server.close()
      sessions.clear()
      await new Promise<void>((resolve) => {
        http.close(() => resolve())
        http.closeAllConnections()
      })
    },
  }
}
