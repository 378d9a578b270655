/**
 * model-ledger mcp: the MCP server (docs/mcp.md) for a running ledger service, over stdio (the
 * default: stdout is the protocol's, diagnostics go to stderr) or Streamable HTTP at /mcp.
 * It ends when stdin closes (stdio) or on SIGINT/SIGTERM; SIGHUP re-reads the deployments.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { openLedgerMcp, serveMcpHttp, type LedgerMcp } from '../../mcp/index.js'
import { EXIT, flag, parse, positiveInt, required, str, strs, UsageError, type Command } from '../io.js'

const DEFAULT_REFRESH_SECONDS = 30

const log = (line: string): void => void process.stderr.write(`model-ledger mcp: ${line}\n`)

function apiKeysOf(args: ReturnType<typeof parse>): string[] {
  const fromEnv = (process.env.MODEL_LEDGER_API_KEYS ?? '').split(',').map((k) => k.trim())
  const keys = [...strs(args, 'api-key'), ...fromEnv].filter((k) => k !== '')
  return [...new Set(keys)]
}

/** Resolves with the first of the signals (or stdin's end) to arrive. */
function ending(stdin: boolean): Promise<string> {
  return new Promise((resolve) => {
    const done = (why: string): void => {
      process.off('SIGINT', done)
      process.off('SIGTERM', done)
      process.stdin.off('end', onEnd)
      resolve(why)
    }
    const onEnd = (): void => done('stdin closed')
    process.on('SIGINT', done)
    process.on('SIGTERM', done)
    if (stdin) process.stdin.on('end', onEnd)
  })
}

async function serveStdio(mcp: LedgerMcp): Promise<void> {
  const server = mcp.createServer()
  const stopped = ending(true)
  await server.connect(new StdioServerTransport())
  await stopped
  await server.close()
}

export const mcpCommand: Command = {
  name: 'mcp',
  summary: 'an MCP server for agents: each deployment a tool, the ledger head, reward maps and lineage resources',
  usage: `model-ledger mcp --url URL [--api-key KEY]... [--refresh SECONDS] [--http [--port N] [--host ADDR]]

Speaks the Model Context Protocol for a running ledger service at URL (model-ledger serve; the
gateway at URL/openai/v1). Each deployment an API key opens is a tool (a call is a metered chat
completion charged to that key); ledger://head, ledger://reward-maps/{mandateId} and
ledger://lineage/{id} are resources. Keys come from --api-key (repeatable) and from
MODEL_LEDGER_API_KEYS (comma-separated; keeps them out of the process list). The deployments are
read again every --refresh seconds (default ${DEFAULT_REFRESH_SECONDS}, 0: never), after a refusal, and on SIGHUP.
Over stdio by default; --http serves Streamable HTTP at http://HOST:PORT/mcp instead (--host
default 127.0.0.1, --port default 8765, 0 picks a free one; the first line printed is
"listening on <url>"); when MODEL_LEDGER_MCP_TOKEN is set, every request must carry
"Authorization: Bearer <token>". Diagnostics go to stderr. See docs/mcp.md.`,
  async run(argv) {
    const args = parse(argv, { url: { type: 'string' }, 'api-key': { type: 'string', multiple: true }, refresh: { type: 'string' }, http: { type: 'boolean' }, port: { type: 'string' }, host: { type: 'string' } })
    const url = required(str(args, 'url'), '--url')
    if (!/^https?:\/\/\S+$/.test(url)) throw new UsageError('--url takes the http(s) URL of a running ledger service')
    const http = flag(args, 'http')
    if (!http && (str(args, 'port') !== undefined || str(args, 'host') !== undefined)) throw new UsageError('--port and --host go with --http')
    const port = positiveInt(str(args, 'port'), '--port') ?? 8765
    if (port > 65535) throw new UsageError('--port takes 0-65535')
    const refreshSeconds = positiveInt(str(args, 'refresh'), '--refresh') ?? DEFAULT_REFRESH_SECONDS
    const apiKeys = apiKeysOf(args)
    if (apiKeys.length === 0) log('no API key (--api-key or MODEL_LEDGER_API_KEYS): serving the resources only')
    const mcp = await openLedgerMcp({ url, apiKeys, refreshMs: refreshSeconds * 1000, log })
    const onHangup = (): void => void mcp.refresh().catch((error: unknown) => log(`refresh failed: ${(error as Error).message}`))
    process.on('SIGHUP', onHangup)
    try {
      if (!http) {
        await serveStdio(mcp)
        return EXIT.ok
      }
      const token = process.env.MODEL_LEDGER_MCP_TOKEN
      const running = await serveMcpHttp(mcp, { host: str(args, 'host') ?? '127.0.0.1', port, log, ...(token === undefined || token === '' ? {} : { bearerToken: token }) })
      process.stdout.write(`listening on ${running.url}\n`)
      const why = await ending(false)
      log(`${why}: shutting down`)
      await running.close()
      return EXIT.ok
    } finally {
      process.off('SIGHUP', onHangup)
      mcp.close()
    }
  },
}
