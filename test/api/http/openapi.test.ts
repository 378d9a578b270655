/**
 * The generated OpenAPI document: valid OpenAPI 3.1; clean under Redocly's recommended ruleset
 * (the real CLI, run as CI runs it); listing exactly the routes express registers on a server
 * with the gateway mounted as serve mounts it; every example a value its codec accepts; real
 * responses matching its schemas; and /docs rendering its schemas and examples.
 */
import { Validator } from '@seriousme/openapi-schema-validator'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Express } from 'express'
import { isRight } from 'fp-ts/lib/Either.js'
import type { Mixed } from 'io-ts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppListener } from '../../../api/http/app.js'
import { OPERATIONS, openApiDocument, type Body } from '../../../api/http/openapi/document.js'
import { GATEWAY_PROBLEM_EXAMPLE, operationExamples, PROBLEM_EXAMPLE } from '../../../api/http/openapi/examples.js'
import { GatewayProblemC, ProblemC } from '../../../api/http/wire.js'
import { checkEnvelopeSeal } from '../../../domain/ledger/envelope.js'
import { verifyCommand, type SignedCommand } from '../../../domain/ledger/command.js'
import type { Envelope } from '../../../domain/ledger/envelope.js'
import { nativeCrypto } from '../../../infrastructure/crypto/native.js'
import { startServed, type Served } from './served.js'
import { startTestServer, type TestServer } from './support.js'

interface Doc {
  openapi: string
  servers: unknown[]
  paths: Record<string, Record<string, { security?: unknown; responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }> }>>
  components: { schemas: Record<string, { properties?: Record<string, unknown> }>; securitySchemes: Record<string, { type: string; scheme: string }> }
}

let t: TestServer
beforeAll(async () => {
  t = await startTestServer()
})
afterAll(async () => t.close())

const documentOf = async (): Promise<Doc> => (await (await fetch(`${t.url}/openapi.json`)).json()) as Doc

describe('/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document generated from the codecs', async () => {
    const document = await documentOf()
    expect(document.openapi).toBe('3.1.0')
    const result = await new Validator().validate(document as unknown as Parameters<Validator['validate']>[0])
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    expect(Object.keys(document.paths)).toContain('/v1/commands')
    // From the domain's closed codecs, not written by hand: the command's members and the envelope's.
    expect(Object.keys(document.components.schemas.Command?.properties ?? {})).toEqual(['type', 'payload', 'actor', 'nonce', 'issuedAt', 'ledger'])
    expect(Object.keys(document.components.schemas.Envelope?.properties ?? {})).toContain('prevHash')
  })

  it('has servers, a bearer scheme for the gateway alone, and typed lineage', async () => {
    const document = await documentOf()
    expect(document.servers.length).toBeGreaterThan(0)
    expect(document.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' })
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const operation of Object.values(methods)) expect(operation.security !== undefined, path).toBe(path.startsWith('/openai/v1/'))
    }
    const lineage = document.paths['/v1/lineage/{id}']?.get?.responses['200']?.content ?? {}
    expect(lineage['application/json']?.schema.$ref).toBe('#/components/schemas/LineageReport')
    expect(Object.keys(lineage)).toEqual(['application/json', 'text/html', 'text/markdown'])
    expect(Object.keys(document.components.schemas.LineageNode?.properties ?? {})).toEqual(['id', 'kind', 'label', 'sequence', 'facts', 'evidence'])
  })

  it('has no errors and no warnings under Redocly’s recommended ruleset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openapi-lint-'))
    try {
      const file = join(dir, 'openapi.json')
      writeFileSync(file, JSON.stringify(openApiDocument()))
      // Not spawnSync: the servers of this file live on this event loop and must keep answering.
      const run = await new Promise<{ status: number | null; stdout: string }>((resolve, reject) => {
        execFile(process.execPath, ['node_modules/@redocly/cli/bin/cli.js', 'lint', file, '--extends=recommended', '--format=json'], { encoding: 'utf8', timeout: 60_000 }, (error, stdout) => {
          if (error !== null && typeof error.code !== 'number') reject(error)
          else resolve({ status: error === null ? 0 : (error.code as number), stdout })
        })
      })
      const report = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string }[] }
      expect(report.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([])
      expect(report.totals).toMatchObject({ errors: 0, warnings: 0 })
      expect(run.status).toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)

  it('gives every example as a value its codec accepts, and the signed ones verify', () => {
    const examples = operationExamples()
    let checked = 0
    const decodes = (codec: Mixed, value: unknown, where: string): void => {
      expect(isRight(codec.decode(value)), where).toBe(true)
      checked++
    }
    for (const [key, example] of Object.entries(examples)) {
      const op = OPERATIONS.find((o) => `${o.method} ${o.path}` === key)
      expect(op, key).toBeDefined()
      if (op === undefined) continue
      if (example.request !== undefined && typeof op.body === 'object') decodes(op.body, example.request, `${key} request`)
      for (const [status, value] of Object.entries(example.responses)) {
        const bodies: readonly Body[] = [op.responses[Number(status)] ?? []].flat()
        const codec = bodies.find((b): b is Mixed => typeof b === 'object')
        expect(codec, `${key} ${status}`).toBeDefined()
        if (codec !== undefined) decodes(codec, value, `${key} ${status}`)
      }
    }
    expect(checked).toBeGreaterThanOrEqual(17)
    decodes(ProblemC, PROBLEM_EXAMPLE, 'problem')
    decodes(GatewayProblemC, GATEWAY_PROBLEM_EXAMPLE, 'gateway problem')
    const signed = examples['post /v1/commands']?.request as SignedCommand
    expect(verifyCommand(signed, nativeCrypto)).toBe((examples['post /v1/commands']?.responses[201] as { commandHash: string }).commandHash)
    expect(checkEnvelopeSeal(examples['get /v1/events/{sequence}']?.responses[200] as Envelope, nativeCrypto)).toMatchObject({ ok: true })
  })

  it('describes real responses: a ledger, a validator page and a problem decode with the codecs it names', async () => {
    const get = async (path: string) => (await fetch(`${t.url}${path}`)).json() as Promise<unknown>
    const codecOf = (path: string): Mixed => OPERATIONS.find((o) => o.path === path && o.method === 'get')?.responses[200] as Mixed
    expect(isRight(codecOf('/v1/ledger').decode(await get('/v1/ledger')))).toBe(true)
    expect(isRight(codecOf('/v1/validators').decode(await get('/v1/validators')))).toBe(true)
    expect(isRight(codecOf('/healthz').decode(await get('/healthz')))).toBe(true)
    expect(isRight(codecOf('/readyz').decode(await get('/readyz')))).toBe(true)
    expect(isRight(codecOf('/problems/{kind}').decode(await get('/problems/malformed')))).toBe(true)
    expect(isRight(ProblemC.decode(await get('/v1/events/999')))).toBe(true)
  })
})

/** A route's path as the document writes it: the one pattern route, the tiles', is `/tile/{path}`. */
const pathOf = (path: string | RegExp): string => (path instanceof RegExp ? (path.source === '^\\/tile\\/.+' ? '/tile/{path}' : `regex ${path.source}`) : path)

/** Every route an express app registers, as "method /path/{param}", walking nested routers. */
function registeredRoutes(app: Express): string[] {
  interface Layer {
    readonly route?: { readonly path: string | RegExp; readonly methods: Record<string, boolean> }
    readonly rawPath?: string
    readonly handle: { readonly stack?: readonly Layer[] }
  }
  const out: string[] = []
  const walk = (stack: readonly Layer[], prefix: string): void => {
    for (const layer of stack) {
      if (layer.route !== undefined) for (const method of Object.keys(layer.route.methods)) out.push(`${method} ${prefix}${pathOf(layer.route.path)}`.replace(/:(\w+)/g, '{$1}'))
      else if (layer.handle.stack !== undefined) walk(layer.handle.stack, `${prefix}${layer.rawPath === '/' || layer.rawPath === undefined ? '' : layer.rawPath}`)
    }
  }
  walk((app as unknown as { router: { stack: readonly Layer[] } }).router.stack, '')
  return out
}

describe('the document and the routes', () => {
  let served: Served
  beforeAll(async () => {
    served = await startServed()
  })
  afterAll(async () => served.close())

  it('tells where a gateway answer’s hash is: the header of a whole answer, the last chunk of a stream', async () => {
    const document = await documentOf()
    for (const path of ['/openai/v1/chat/completions', '/openai/v1/completions']) {
      const ok = document.paths[path]?.post?.responses['200'] as { headers: Record<string, unknown>; content: Record<string, { schema: { description?: string } }> }
      expect(Object.keys(ok.headers)).toEqual(['X-Request-Id', 'X-Ledger-Receipt', 'X-Ledger-Checkpoint', 'X-Ledger-Seed', 'X-Ledger-Answer-Hash'])
      expect(ok.content['text/event-stream']?.schema.description).toContain('x_ledger_answer_hash')
    }
    expect(Object.keys((document.paths['/openai/v1/models']?.get?.responses['200'] as { headers: object }).headers)).toEqual(['X-Request-Id'])
  })

  it('lists exactly the routes express registers, the gateway’s included', () => {
    const listener = served.server.server.listeners('request')[0] as AppListener
    const registered = [...registeredRoutes(listener.express), ...listener.edgeRoutes].sort()
    expect(listener.edgeRoutes).toEqual(['post /v1/commands'])
    const documented = OPERATIONS.map((op) => `${op.method} ${op.path}`).sort()
    expect(registered).toContain('post /openai/v1/chat/completions')
    expect(registered).toContain('get /v1/datanets')
    expect(documented).toEqual(registered)
  })
})

describe('/docs', () => {
  it('renders every operation, every schema with its members, examples and the problem types', async () => {
    const page = await (await fetch(`${t.url}/docs`)).text()
    const document = await documentOf()
    for (const path of Object.keys(document.paths)) expect(page).toContain(`<code>${path}</code>`)
    for (const name of Object.keys(document.components.schemas)) expect(page).toContain(`id="schema-${name}"`)
    // Every schema link lands on a section.
    for (const [, name] of page.matchAll(/href="#schema-([A-Za-z0-9]+)"/g)) expect(page).toContain(`id="schema-${name}"`)
    expect(page).toContain('<code>prevHash</code>')
    expect(page.match(/<summary>Example<\/summary>/g)?.length ?? 0).toBeGreaterThanOrEqual(18)
    expect(page).toContain('messages is required')
    expect(page).toContain('/problems/nonce-replayed')
  })
})
