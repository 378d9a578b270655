/** The generated OpenAPI document validates as OpenAPI 3.1, and real responses match its schemas. */
import { Validator } from '@seriousme/openapi-schema-validator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './support.js'

let t: TestServer
beforeAll(async () => {
  t = await startTestServer()
})
afterAll(async () => t.close())

describe('/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document generated from the codecs', async () => {
    const document = (await (await fetch(`${t.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown>; components: { schemas: Record<string, { properties?: Record<string, unknown> }> } }
    expect(document.openapi).toBe('3.1.0')
    const result = await new Validator().validate(document)
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    expect(Object.keys(document.paths)).toContain('/v1/commands')
    // From the domain's closed codecs, not written by hand: the command's members and the envelope's.
    expect(Object.keys(document.components.schemas.Command?.properties ?? {})).toEqual(['type', 'payload', 'actor', 'nonce', 'issuedAt', 'ledger'])
    expect(Object.keys(document.components.schemas.Envelope?.properties ?? {})).toContain('prevHash')
  })

  it('serves the readable reference page', async () => {
    const page = await (await fetch(`${t.url}/docs`)).text()
    expect(page).toContain('/v1/commands')
    expect(page).toContain('/problems/nonce-replayed')
  })
})
