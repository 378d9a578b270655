/**
 * `model-ledger mcp`, the built CLI, driven by the MCP SDK's own client: over stdio (the client
 * spawns it) and over Streamable HTTP (the CLI listens, the client connects), against a real
 * ledger service with the gateway on a deployed data directory. The tool calls are metered and
 * land in the ledger; refusals come back as isError results; the resources are the ledger's JSON.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { economy } from '../../../domain/economy/index.js'
import type { DeploymentEventOf } from '../../../domain/deployment/codecs.js'
import type { EventStore } from '../../../domain/ports/event-store.js'
import { createCommandHandler } from '../../../infrastructure/command-handler.js'
import { openLedger } from '../../../infrastructure/data-dir.js'
import { gatewayMount, keyHashOf, openGateway, operatorSigner, type Gateway } from '../../../api/gateway/index.js'
import { startServer, type RunningServer } from '../../../api/http/server.js'
import { FAST_COST, signAs } from '../../trainer/fixture.js'
import { acceptGrant, alice, API_KEY, bob, deployedDataDir, submitAs, type DeployedDir } from '../gateway/fixture.js'

const BIN = fileURLToPath(new URL('../../../dist/api/cli/main.js', import.meta.url))
const UNKNOWN_KEY = 'sk-not-a-granted-key-000000000000'
const REVOKABLE_KEY = 'sk-ledger-mcp-revokable-000000003'
const TOKEN = 'mcp-test-token-0123456789'
const CARDIO = 'chest pain troponin ecg angina'

let d: DeployedDir
let store: EventStore
let gateway: Gateway
let server: RunningServer
let revokableGrant: string
const children: ChildProcess[] = []

interface Structured {
  readonly deploymentId: string
  readonly receipt: string
  readonly checkpoint: string
  readonly answerHash: string
  readonly usage: { readonly inputTokens: number; readonly outputTokens: number; readonly totalTokens: number }
}

const textOf = (result: CallToolResult, at = 0): string => {
  const part = result.content[at]
  return part?.type === 'text' ? part.text : ''
}

/** The UsageRecorded receipt the gateway's meter appended for a request id, once flushed. */
async function ledgerReceipt(requestId: string) {
  await gateway.meter.flush()
  for await (const e of store.readAll(1)) {
    if (e.type !== 'UsageRecorded') continue
    const batch = economy.parseEvent(e.type, e.data)?.data as DeploymentEventOf<'UsageRecorded'>['data']
    const receipt = batch.receipts.find((r) => r.requestId === requestId)
    if (receipt !== undefined) return { receipt, checkpoint: batch.checkpoint }
  }
  return undefined
}

/** Reads a resource and parses its JSON text. */
async function readJson<T>(client: Client, uri: string): Promise<T> {
  const [content] = (await client.readResource({ uri })).contents
  if (content === undefined || !('text' in content)) throw new Error(`${uri} has no text content`)
  expect(content.mimeType).toBe('application/json')
  return JSON.parse(content.text) as T
}

async function stdioClient(args: readonly string[], env: Record<string, string>) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--url', server.url, '--refresh', '0', ...args], env, stderr: 'pipe' })
  let stderr = ''
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const client = new Client({ name: 'model-ledger-test', version: '1.0.0' })
  await client.connect(transport)
  return { client, stderr: () => stderr }
}

/** Starts `model-ledger mcp --http` and resolves with the URL it prints first. */
function httpServer(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [BIN, 'mcp', '--url', server.url, '--http', '--port', '0', '--refresh', '0'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')))
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8')
      const url = /^listening on (\S+)/m.exec(out)?.[1]
      if (url !== undefined) resolve({ url, child })
    })
    child.once('exit', (code) => reject(new Error(`mcp --http exited ${String(code)}: ${err}`)))
  })
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !check(); ) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build (npm test does)`)
  d = await deployedDataDir()
  revokableGrant = await submitAs(d.dir, alice(), {
    type: 'GrantAccess',
    payload: { deploymentId: d.deploymentId, consumer: d.consumer, keyHash: keyHashOf(REVOKABLE_KEY), quotaTokens: 1000, expiresAt: '2030-01-01T00:00:00.000Z' },
  })
  await submitAs(d.dir, bob(), acceptGrant(d.deploymentId, revokableGrant, 1000))
  // A closed reward epoch, so the mandate's reward map has something in it.
  await submitAs(d.dir, bob(), { type: 'CloseRewardEpoch', payload: { mandateId: d.mandateId } })
  ;({ store } = await openLedger(d.dir))
  gateway = await openGateway({ dir: d.dir, store, signer: await operatorSigner(d.dir, FAST_COST), flushMs: 0 })
  server = await startServer({ store, logger: pino({ level: 'silent' }), mounts: [gatewayMount(gateway)] })
}, 120_000)

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  await server?.close()
  await gateway?.close()
  await store?.close()
  if (d !== undefined) rmSync(d.dir, { recursive: true, force: true })
})

describe('model-ledger mcp over stdio, with the MCP SDK client', () => {
  let client: Client
  let stderr: () => string
  let tool: Tool

  beforeAll(async () => {
    // One key on the command line, an unknown one from the environment.
    ;({ client, stderr } = await stdioClient(['--api-key', API_KEY], { MODEL_LEDGER_API_KEYS: UNKNOWN_KEY }))
  }, 30_000)
  afterAll(async () => {
    await client?.close()
  })

  it('lists one tool for the deployment the key opens, naming the deployment, its checkpoint and its mandate', async () => {
    const { tools } = await client.listTools()
    expect(tools.map((t) => t.name)).toEqual([`deployment_${d.deploymentId.slice(0, 16)}`])
    tool = tools[0] as Tool
    expect(tool.description).toContain(d.deploymentId)
    expect(tool.description).toContain(d.checkpoint)
    expect(tool.description).toContain(d.mandateId)
    expect(tool.inputSchema.required).toEqual(['prompt'])
    expect(Object.keys(tool.inputSchema.properties ?? {}).sort()).toEqual(['max_tokens', 'prompt', 'system'])
    expect(tool.outputSchema?.properties).toHaveProperty('receipt')
  })

  it('says on stderr that the unknown key opens nothing', () => {
    expect(stderr()).toMatch(/key sk-not…0000 opens no deployment: 401/)
  })

  it('calls the deployment: the answer, the receipt, the checkpoint and the usage, which the ledger charges', async () => {
    const result = (await client.callTool({ name: tool.name, arguments: { prompt: CARDIO } })) as CallToolResult
    expect(result.isError).toBeFalsy()
    expect(textOf(result)).toBe('cardio')
    const structured = result.structuredContent as unknown as Structured
    expect(structured).toMatchObject({ deploymentId: d.deploymentId, checkpoint: d.checkpoint, usage: { inputTokens: 5, outputTokens: 1, totalTokens: 6 } })
    expect(structured.receipt).toMatch(/^chatcmpl-/)
    // The hash of the answer's bytes, which the receipt in the ledger records.
    expect(structured.answerHash).toBe(createHash('sha256').update('cardio').digest('hex'))
    expect(JSON.parse(textOf(result, 1))).toEqual(structured)
    const inLedger = await ledgerReceipt(structured.receipt)
    expect(inLedger?.receipt).toMatchObject({ requestId: structured.receipt, inputTokens: 5, outputTokens: 1, answerHash: structured.answerHash })
    expect(inLedger?.checkpoint).toBe(d.checkpoint)
  })

  it('passes the system message and max_tokens through', async () => {
    const result = (await client.callTool({ name: tool.name, arguments: { prompt: 'knee fracture cast physio', system: 'label the note', max_tokens: 1 } })) as CallToolResult
    expect(textOf(result)).toBe('ortho')
    expect((result.structuredContent as unknown as Structured).usage.outputTokens).toBe(1)
  })

  it('rejects arguments outside the input schema as a tool error', async () => {
    const result = (await client.callTool({ name: tool.name, arguments: { prompt: '' } })) as CallToolResult
    expect(result.isError).toBe(true)
    expect(textOf(result)).toMatch(/Invalid arguments/)
  })

  it('lists the ledger resources and templates', async () => {
    const { resources } = await client.listResources()
    const uris = resources.map((r) => r.uri)
    expect(uris).toContain('ledger://head')
    expect(uris).toContain(`ledger://reward-maps/${d.mandateId}`)
    expect(uris).toContain(`ledger://lineage/${d.deploymentId}`)
    expect(uris).toContain(`ledger://lineage/${d.mandateId}`)
    expect(resources.every((r) => r.mimeType === 'application/json')).toBe(true)
    const { resourceTemplates } = await client.listResourceTemplates()
    expect(uris).toContain(`ledger://consent/${d.deploymentId}`)
    expect(resourceTemplates.map((t) => t.uriTemplate).sort()).toEqual(['ledger://consent/{deploymentId}', 'ledger://lineage/{id}', 'ledger://lineage/{id}/nodes/{page}', 'ledger://lineage/{id}/streams/{page}', 'ledger://reward-maps/{mandateId}'])
  })

  it('reads the ledger head', async () => {
    const head = await readJson<{ publicKey: string; head: { sequence: number; hash: string } }>(client, 'ledger://head')
    expect(head.publicKey).toBe(store.ledgerPublicKey)
    const now = await store.head()
    expect(head.head.sequence).toBeGreaterThan(0)
    expect(head.head.sequence).toBeLessThanOrEqual(now.sequence)
  })

  it("reads a mandate's reward map: the closed epoch with its payouts", async () => {
    const map = await readJson<{ mandateId: string; epochs: { epoch: number; payouts: unknown[]; mapHash: string }[] }>(client, `ledger://reward-maps/${d.mandateId}`)
    expect(map.mandateId).toBe(d.mandateId)
    expect(map.epochs.map((e) => e.epoch)).toEqual([1])
    expect(map.epochs[0]?.mapHash).toMatch(/^[0-9a-f]{64}$/)
    // The protocol error says its code once, then the sentence.
    await expect(client.readResource({ uri: `ledger://reward-maps/${'ab'.repeat(32)}` })).rejects.toThrow(new RegExp(`^MCP error -32602: the ledger has no mandate ${'ab'.repeat(32)}$`))
  })

  it("reads a mandate's lineage as a small summary and pages that hold the whole report, each part once", async () => {
    interface Summary {
      target: { kind: string }
      subject: { id: string; kind: string; facts: Record<string, unknown> } | null
      ledgerPublicKey: string
      nodes: { total: number; byKind: Record<string, number> }
      edges: { total: number }
      streams: { total: number; events: number }
      licences: Record<string, number>
      contributors: number
      datasetRoots: string[]
      checkpoints: string[]
      pages: { nodes: { pages: number; first: string }; streams: { pages: number; first: string } }
      fullReport: string
    }
    interface Page<K extends string> {
      page: number
      pages: number
      next: string | null
      nodes: K extends 'nodes' ? { id: string }[] : never
      edges: K extends 'nodes' ? { from: string; to: string; relation: string }[] : never
      streams: K extends 'streams' ? { stream: string; events: unknown[] }[] : never
    }
    const whole = (await (await fetch(`${server.url}/v1/lineage/${d.mandateId}`)).json()) as { graph: { nodes: { id: string; kind: string }[]; edges: unknown[] }; streams: { stream: string; events: unknown[] }[] }
    const text = async (uri: string) => JSON.stringify(await readJson<unknown>(client, uri)).length
    const summary = await readJson<Summary>(client, `ledger://lineage/${d.mandateId}`)
    expect(await text(`ledger://lineage/${d.mandateId}`)).toBeLessThan(8_000)
    expect(summary.subject).toMatchObject({ id: `mandate:${d.mandateId}`, kind: 'mandate' })
    expect(summary.ledgerPublicKey).toBe(store.ledgerPublicKey)
    expect(summary.nodes.total).toBe(whole.graph.nodes.length)
    expect(summary.nodes.byKind.checkpoint).toBe(whole.graph.nodes.filter((n) => n.kind === 'checkpoint').length)
    expect(summary.edges.total).toBe(whole.graph.edges.length)
    expect(summary.streams).toEqual({ total: whole.streams.length, events: whole.streams.reduce((n, st) => n + st.events.length, 0) })
    expect(summary.checkpoints).toContain(d.checkpoint)
    expect(summary.datasetRoots.length).toBeGreaterThan(0)
    expect(Object.values(summary.licences).reduce((a, b) => a + b, 0)).toBe(summary.nodes.byKind.contribution)
    expect(summary.contributors).toBeGreaterThan(0)
    expect(summary.fullReport).toContain(`${server.url}/v1/lineage/${d.mandateId}`)

    const nodes: { id: string }[] = []
    const edges: unknown[] = []
    for (let uri: string | null = summary.pages.nodes.first; uri !== null; ) {
      const page: Page<'nodes'> = await readJson<Page<'nodes'>>(client, uri)
      nodes.push(...page.nodes)
      edges.push(...page.edges)
      uri = page.next
    }
    expect(nodes).toEqual(whole.graph.nodes)
    // Each edge once, on the page of the node it comes from (so in another order than the report's).
    const sorted = (list: unknown[]) => list.map((e) => JSON.stringify(e)).sort()
    expect(sorted(edges)).toEqual(sorted(whole.graph.edges))
    const streams: unknown[] = []
    for (let page = 1; page <= summary.pages.streams.pages; page++) {
      const uri = `ledger://lineage/${d.mandateId}/streams/${page}`
      streams.push(...(await readJson<Page<'streams'>>(client, uri)).streams)
    }
    expect(streams).toEqual(whole.streams)
    await expect(client.readResource({ uri: `ledger://lineage/${d.mandateId}/nodes/${summary.pages.nodes.pages + 1}` })).rejects.toThrow(
      new RegExp(`^MCP error -32602: node page ${summary.pages.nodes.pages + 1} does not exist: pages run from 1 to ${summary.pages.nodes.pages}$`),
    )
    await expect(client.readResource({ uri: `ledger://lineage/${d.mandateId}/streams/0` })).rejects.toThrow(/^MCP error -32602: page is a whole number from 1$/)
  })

  it("reads a deployment's lineage, and says once what is wrong with an id", async () => {
    const summary = await readJson<{ subject: { id: string } }>(client, `ledger://lineage/${d.deploymentId}`)
    expect(summary.subject.id).toBe(`deployment:${d.deploymentId}`)
    await expect(client.readResource({ uri: 'ledger://lineage/not-an-id' })).rejects.toThrow(/^MCP error -32602: id is 64 lower-case hex digits$/)
    await expect(client.readResource({ uri: `ledger://lineage/${'ab'.repeat(32)}` })).rejects.toThrow(/^MCP error -32602: no lineage for (ab)+: the ledger knows it as no deployment/)
  })

  it("reads a deployment's consent: consented, then revoked with the withdrawn contribution and the retrain deadline", async () => {
    type Consent = { deploymentId: string; serving: { checkpoint: string }; consent: { status: string; contributions: string[]; retrainBy: string | null } }
    const before = await readJson<Consent>(client, `ledger://consent/${d.deploymentId}`)
    expect(before).toMatchObject({ deploymentId: d.deploymentId, serving: { checkpoint: d.checkpoint }, consent: { status: 'consented', contributions: [], retrainBy: null } })
    const state = await createCommandHandler({ store, vertical: economy }).state()
    const withdrawn = state.training.versions.get(`${d.mandateId}:${state.training.jobs.get(d.jobId)?.datasetVersion ?? 0}`)?.contributions[0] ?? ''
    const handler = createCommandHandler({ store, vertical: economy })
    expect((await handler.handle(signAs(alice(), { type: 'RevokeContribution', payload: { contributionId: withdrawn } }, store.ledgerPublicKey))).ok).toBe(true)
    // The service's read models fold the withdrawal a moment later.
    let after = before
    for (const end = Date.now() + 10_000; after.consent.status === 'consented' && Date.now() < end; await new Promise((resolve) => setTimeout(resolve, 50))) {
      after = await readJson<Consent>(client, `ledger://consent/${d.deploymentId}`)
    }
    expect(after.consent).toMatchObject({ status: 'revoked', contributions: [withdrawn] })
    expect(Date.parse(after.consent.retrainBy ?? '')).toBeGreaterThan(Date.now())
    await expect(client.readResource({ uri: `ledger://consent/${'ab'.repeat(32)}` })).rejects.toThrow(/no deployment/)
  })
})

describe('model-ledger mcp over Streamable HTTP, with the MCP SDK client', () => {
  let url: string
  let child: ChildProcess
  let client: Client
  let latest: Tool[] | undefined

  beforeAll(async () => {
    ;({ url, child } = await httpServer({ MODEL_LEDGER_API_KEYS: REVOKABLE_KEY, MODEL_LEDGER_MCP_TOKEN: TOKEN }))
    client = new Client({ name: 'model-ledger-test', version: '1.0.0' }, { listChanged: { tools: { debounceMs: 0, onChanged: (_error, tools) => (latest = tools ?? undefined) } } })
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${TOKEN}` } } }))
  }, 30_000)
  afterAll(async () => {
    await client?.close()
  })

  it('refuses a request without the bearer token', async () => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' })
    expect(res.status).toBe(401)
  })

  it('lists and calls the deployment tool; the usage lands in the ledger', async () => {
    const { tools } = await client.listTools()
    expect(tools.map((t) => t.name)).toEqual([`deployment_${d.deploymentId.slice(0, 16)}`])
    const result = (await client.callTool({ name: tools[0]?.name as string, arguments: { prompt: CARDIO } })) as CallToolResult
    expect(textOf(result)).toBe('cardio')
    const { receipt } = result.structuredContent as unknown as Structured
    expect((await ledgerReceipt(receipt))?.receipt).toMatchObject({ inputTokens: 5, outputTokens: 1 })
  })

  it("turns a revoked key's call into an isError result, then drops the tool and tells the client", async () => {
    const name = `deployment_${d.deploymentId.slice(0, 16)}`
    const handler = createCommandHandler({ store, vertical: economy })
    const revoked = await handler.handle(signAs(alice(), { type: 'RevokeAccess', payload: { deploymentId: d.deploymentId, grantId: revokableGrant, reason: 'contract ended' } }, store.ledgerPublicKey))
    expect(revoked.ok).toBe(true)
    await new Promise((resolve) => setTimeout(resolve, 60)) // the gateway's admission state is at most 50 ms old
    const result = (await client.callTool({ name, arguments: { prompt: CARDIO } })) as CallToolResult
    expect(result.isError).toBe(true)
    expect(textOf(result)).toMatch(/403 .*access-revoked/)
    await until(() => latest !== undefined && latest.length === 0)
    expect((await client.listTools()).tools).toEqual([])
    const gone = (await client.callTool({ name, arguments: { prompt: CARDIO } })) as CallToolResult
    expect(gone.isError).toBe(true)
    expect(textOf(gone)).toMatch(/not found/)
  })

  it('reads the head over HTTP too', async () => {
    expect(await readJson(client, 'ledger://head')).toMatchObject({ publicKey: store.ledgerPublicKey })
  })

  it('shuts down on SIGTERM with exit code 0', async () => {
    await client.close()
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })
})

describe('a retired deployment, through a fresh stdio server', () => {
  it("answers the tool call with isError and the gateway's 410", async () => {
    const { client } = await stdioClient([], { MODEL_LEDGER_API_KEYS: API_KEY })
    try {
      const [tool] = (await client.listTools()).tools
      const handler = createCommandHandler({ store, vertical: economy })
      expect((await handler.handle(signAs(alice(), { type: 'RetireDeployment', payload: { deploymentId: d.deploymentId, reason: 'superseded' } }, store.ledgerPublicKey))).ok).toBe(true)
      // The gateway's admission state is at most 50 ms old (docs/gateway.md).
      await new Promise((resolve) => setTimeout(resolve, 60))
      const result = (await client.callTool({ name: tool?.name as string, arguments: { prompt: CARDIO } })) as CallToolResult
      expect(result.isError).toBe(true)
      expect(textOf(result)).toMatch(/410/)
    } finally {
      await client.close()
    }
  })
})
