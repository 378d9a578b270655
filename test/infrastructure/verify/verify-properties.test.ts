import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { verifyLines } from '../../../infrastructure/verify/verifier.js'
import { buildLedger, iterate, ledgerKey, linesOf, standardLines, type Step } from '../../support/ledger-fixture.js'

const step = fc.record({
  stream: fc.constantFrom('account-a', 'account-b', 'proposal-1', 'datanet-x', 'job-7'),
  events: fc.integer({ min: 1, max: 4 }),
  command: fc.boolean(),
})

const bundle = (await standardLines()).map((line) => `${line}\n`).join('')
const bytes = Buffer.from(bundle, 'utf8')

describe('verification properties', () => {
  it('every log the ledger writes verifies, whatever its shape and anchoring', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 0, maxLength: 25 }), fc.integer({ min: 1, max: 12 }), fc.boolean(), async (steps: Step[], anchorEvery, close) => {
        const { store, backend } = await buildLedger(steps, { anchorEvery })
        if (close) await store.close()
        const report = await verifyLines(iterate(await linesOf(backend)), { trustedKey: ledgerKey, workers: 0 })
        expect(report.failure).toBeNull()
        expect(report.ok).toBe(true)
        expect(report.summary?.commands).toBe(steps.filter((s) => s.command).length)
        if (close && steps.length > 0) expect(report.summary?.unanchored).toBe(0)
      }),
      { numRuns: 40 },
    )
  })

  const linesOfBytes = (data: Buffer) => {
    // Split the way the bundle reader does: on \n only.
    const text = data.toString('utf8')
    const parts = text.split('\n')
    if (parts[parts.length - 1] === '') parts.pop()
    return parts
  }

  const mutated = async (position: number, value: number) => {
    const copy = Buffer.from(bytes)
    copy[position] = value
    return verifyLines(iterate(linesOfBytes(copy)), { trustedKey: ledgerKey, workers: 0 })
  }

  it('a single changed byte anywhere in a bundle fails verification (random positions)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), async (position, delta) => {
        const report = await mutated(position, ((bytes[position] ?? 0) + delta) % 256)
        expect(report.ok).toBe(false)
      }),
      { numRuns: 300 },
    )
  })

  it('every byte of the header line and of the first anchor line is protected (exhaustive, printable changes)', async () => {
    const text = bytes.toString('latin1')
    const anchorStart = text.indexOf('{"event":{"cause":{"kind":"system","reason":"anchor"}')
    const ranges = [
      [0, text.indexOf('\n') + 1],
      [anchorStart, text.indexOf('\n', anchorStart) + 1],
    ] as const
    let checked = 0
    for (const [from, to] of ranges) {
      for (let position = from; position < to; position++) {
        const original = bytes[position] ?? 0
        // One substitute per position: a near character of the same class, the likeliest undetected edit.
        const substitute = original === 0x0a ? 0x20 : original === 0x30 ? 0x31 : original - 1
        const report = await mutated(position, substitute)
        expect(report.ok, `byte ${position} (${String.fromCharCode(original)} -> ${String.fromCharCode(substitute)})`).toBe(false)
        checked++
      }
    }
    expect(checked).toBeGreaterThan(500)
  })
})
