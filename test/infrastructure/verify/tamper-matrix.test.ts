import { describe, expect, it } from 'vitest'
import { canonicalize } from '../../../domain/canonical/jcs.js'
import type { JsonValue } from '../../../domain/json.js'
import { envelopeBody, LEDGER_FORMAT, sealEnvelope, sealEnvelopeText, ZERO_HASH, type Envelope } from '../../../domain/ledger/envelope.js'
import { commandHash, signCommand, type SignedCommand } from '../../../domain/ledger/command.js'
import { BUNDLE_FORMAT, BUNDLE_VERSION } from '../../../domain/ledger/bundle.js'
import { toHex } from '../../../domain/crypto/hex.js'
import { nativeCrypto } from '../../../infrastructure/crypto/native.js'
import { verifyLines, type VerifyReport } from '../../../infrastructure/verify/verifier.js'
import { actorSigner, iterate, ledgerKey, ledgerSigner, otherSigner, standardLines } from '../../support/ledger-fixture.js'

const lines = await standardLines()
const verify = (input: readonly string[], options: Parameters<typeof verifyLines>[1] = {}): Promise<VerifyReport> =>
  verifyLines(iterate(input), { trustedKey: ledgerKey, workers: 0, ...options })

type Line = { event?: Envelope; command?: unknown; header?: unknown }
const parse = (line: string) => JSON.parse(line) as Line
const render = (value: Line) => canonicalize(value as unknown as JsonValue)
const indexOfSequence = (sequence: number) => lines.findIndex((line) => parse(line).event?.sequence === sequence)
const anchorIndexes = lines.flatMap((line, i) => (parse(line).event?.type === 'LedgerAnchored' ? [i] : []))
const withLine = (index: number, line: string) => lines.map((existing, i) => (i === index ? line : existing))

function expectFailure(report: VerifyReport, sequence: number | null, reason: RegExp): void {
  expect(report.ok).toBe(false)
  expect(report.failure?.sequence).toBe(sequence)
  expect(report.failure?.reason).toMatch(reason)
}

describe('the untouched log', () => {
  it('verifies, with every count right', async () => {
    const report = await verify(lines)
    expect(report.ok).toBe(true)
    // 11 events from 7 appends, anchored after the append that reaches 5 (sequence 8) and on close.
    expect(report.summary?.events).toBe(13)
    expect(report.summary?.anchors).toBe(2)
    expect(report.summary?.commands).toBe(5)
    expect(report.summary?.unanchored).toBe(0)
    expect(report.keySource).toBe('trusted')
  })

  it('verifies the same on worker threads', async () => {
    const report = await verify(lines, { workers: 2 })
    expect(report.ok).toBe(true)
    expect(report.summary?.events).toBe(13)
  })
})

describe('each tamper is caught at the right sequence', () => {
  it('a changed byte in an event', async () => {
    const i = indexOfSequence(4)
    const tampered = (lines[i] as string).replace('original', 'Original')
    expectFailure(await verify(withLine(i, tampered)), 4, /hash does not match/)
  })

  it('a changed byte in an anchor', async () => {
    const i = anchorIndexes[0] as number
    const anchor = parse(lines[i] as string).event as Envelope
    const data = anchor.data as { root: string }
    const root = data.root
    const flipped = `${root[0] === 'a' ? 'b' : 'a'}${root.slice(1)}`
    expectFailure(await verify(withLine(i, (lines[i] as string).replace(root, flipped))), anchor.sequence, /hash does not match/)
  })

  it('a deleted event', async () => {
    const i = indexOfSequence(6)
    expectFailure(await verify(lines.filter((_, j) => j !== i)), 7, /expected sequence 6, found 7/)
  })

  it('a duplicated event', async () => {
    const i = indexOfSequence(3)
    const copy = [...lines.slice(0, i + 1), lines[i] as string, ...lines.slice(i + 1)]
    expectFailure(await verify(copy), 3, /expected sequence 4, found 3/)
  })

  it('two events swapped', async () => {
    const a = indexOfSequence(8)
    const b = indexOfSequence(9)
    const swapped = lines.map((line, j) => (j === a ? (lines[b] as string) : j === b ? (lines[a] as string) : line))
    expectFailure(await verify(swapped), 9, /expected sequence 8, found 9/)
  })

  it('an inserted event signed by another key', async () => {
    const i = indexOfSequence(5)
    const original = parse(lines[i] as string).event as Envelope
    const forged = sealEnvelope({ ...envelopeBody(original), signer: '' + Buffer.from(otherSigner.publicKey).toString('hex') }, otherSigner, nativeCrypto)
    expectFailure(await verify(withLine(i, render({ event: forged }))), 5, /not the ledger key/)
  })

  it('an anchor re-signed by another key', async () => {
    const i = anchorIndexes[1] as number
    const anchor = parse(lines[i] as string).event as Envelope
    const forged = sealEnvelope({ ...envelopeBody(anchor), signer: Buffer.from(otherSigner.publicKey).toString('hex') }, otherSigner, nativeCrypto)
    expectFailure(await verify(withLine(i, render({ event: forged }))), anchor.sequence, /not the ledger key/)
  })

  it('a key that is not the ledger\'s', async () => {
    const report = await verify(lines, { trustedKey: Buffer.from(otherSigner.publicKey).toString('hex') })
    expectFailure(report, null, /not the trusted key/)
    expect(report.failure?.line).toBe(1)
  })

  it('a command whose payload was changed', async () => {
    const i = lines.findIndex((line) => parse(line).command !== undefined)
    const tampered = (lines[i] as string).replace('"n":0', '"n":9')
    expect(tampered).not.toBe(lines[i])
    expectFailure(await verify(withLine(i, tampered)), 1, /command signature does not verify/)
  })

  it('a command line removed', async () => {
    const i = lines.findIndex((line) => parse(line).command !== undefined)
    expectFailure(await verify(lines.filter((_, j) => j !== i)), 1, /does not come just before it/)
  })

  it('a replayed command: the same command line and events again', async () => {
    const commandAt = lines.findIndex((line) => parse(line).command !== undefined)
    const replay = [...lines.slice(0, commandAt + 2), lines[commandAt] as string, ...lines.slice(commandAt + 2)]
    expectFailure(await verify(replay), 2, /appears twice/)
  })

  it('a line that is not canonical', async () => {
    const i = indexOfSequence(2)
    const spaced = (lines[i] as string).replace('{"event":', '{"event": ')
    expectFailure(await verify(withLine(i, spaced)), 2, /canonical/)
  })

  it('a line a parser could read two ways: a duplicate member, or an escaped letter', async () => {
    const i = indexOfSequence(2)
    const line = lines[i] as string
    const duplicate = line.replace('"sequence":2,', '"sequence":2,"sequence":2,')
    expectFailure(await verify(withLine(i, duplicate)), 2, /canonical/)
    const escaped = line.replace('original', '\\u006friginal')
    expect(escaped).not.toBe(line)
    expect((JSON.parse(escaped) as Line).event?.data).toEqual((JSON.parse(line) as Line).event?.data)
    expectFailure(await verify(withLine(i, escaped)), 2, /canonical/)
  })

  it('a header that claims another head', async () => {
    const header = parse(lines[0] as string) as { header: { head: { sequence: number } } }
    const edited = render({ header: { ...header.header, head: { ...header.header.head, sequence: 99 } } } as unknown as Line)
    expectFailure(await verify(withLine(0, edited)), 14, /header says 99/)
  })
})

describe('a log truncated or rewritten behind an anchor the auditor holds', () => {
  const anchorOf = (input: readonly string[], n: number) => {
    const found = input.flatMap((line) => {
      const event = parse(line).event
      return event?.type === 'LedgerAnchored' ? [event] : []
    })[n] as Envelope
    return { sequence: found.sequence, hash: found.hash }
  }

  it('truncated: the log ends before the trusted anchor', async () => {
    const trusted = anchorOf(lines, 1)
    const cut = lines.slice(0, indexOfSequence(trusted.sequence - 2) + 1)
    const header = parse(cut[0] as string) as { header: { head: { sequence: number; hash: string } } }
    const last = parse(cut[cut.length - 1] as string).event as Envelope
    cut[0] = render({ header: { ...header.header, head: { sequence: last.sequence, hash: last.hash } } } as unknown as Line)
    const report = await verify(cut, { trustedAnchors: [trusted] })
    expect(report.ok).toBe(false)
    expect(report.failure?.reason).toMatch(/truncated/)
    // The same cut log with no trusted anchor is, on its own, a valid shorter log.
    expect((await verify(cut)).ok).toBe(true)
  })

  it('rewritten: a whole new log signed by the real ledger key', async () => {
    const rewritten = await standardLines({ variant: 'rewritten' })
    expect((await verify(rewritten)).ok).toBe(true)
    const trusted = anchorOf(lines, 0)
    const report = await verify(rewritten, { trustedAnchors: [trusted] })
    expectFailure(report, trusted.sequence, /trusted anchor/)
  })
})

/**
 * A log the ledger key holder forged by hand, past every check the store makes: each command
 * causes one event, chained and signed by the ledger key. Only the verifier stands in the way.
 */
function forgedLines(commands: readonly { nonce: string; ledger?: string; n: number; issuedAt?: string; recordedAt?: string; format?: number }[]): string[] {
  let head = { sequence: 0, hash: ZERO_HASH }
  const out: string[] = []
  for (const c of commands) {
    const signed: SignedCommand = signCommand(
      { type: 'DoThing', payload: { n: c.n }, actor: toHex(actorSigner.publicKey), nonce: c.nonce, issuedAt: c.issuedAt ?? '2026-11-01T00:00:00.000Z', ledger: c.ledger ?? ledgerKey },
      actorSigner,
      nativeCrypto,
    )
    const cause = { kind: 'command' as const, commandHash: commandHash(signed.command, nativeCrypto), actor: signed.command.actor, actorSignature: signed.signature }
    const sealed = sealEnvelopeText(
      // A format other than this one can only be written past the types: it is what a forger would do.
      { format: (c.format ?? LEDGER_FORMAT) as typeof LEDGER_FORMAT, sequence: head.sequence + 1, stream: `thing-${c.n}`, streamVersion: 1, type: 'ThingHappened', data: { n: c.n }, recordedAt: c.recordedAt ?? '2026-11-01T00:00:01.000Z', cause, prevHash: head.hash, signer: ledgerKey },
      ledgerSigner,
      nativeCrypto,
    )
    out.push(render({ command: signed }), `{"event":${sealed.text}}`)
    head = { sequence: sealed.envelope.sequence, hash: sealed.envelope.hash }
  }
  return [render({ header: { format: BUNDLE_FORMAT, version: BUNDLE_VERSION, ledgerPublicKey: ledgerKey, head } }), ...out]
}

describe('a command means one thing, once, on one ledger: forgeries the ledger key holder could write', () => {
  it('the control: distinct nonces on this ledger verify', async () => {
    const report = await verify(forgedLines([{ nonce: 'a', n: 1 }, { nonce: 'b', n: 2 }]))
    expect(report.ok).toBe(true)
    expect(report.summary?.commands).toBe(2)
  })

  it('a second command under an actor’s used nonce', async () => {
    expectFailure(await verify(forgedLines([{ nonce: 'a', n: 1 }, { nonce: 'b', n: 2 }, { nonce: 'a', n: 3 }])), 3, /reuses nonce "a" .*replayed nonce/)
  })

  it('a command signed for another ledger, replayed here', async () => {
    expectFailure(await verify(forgedLines([{ nonce: 'a', n: 1 }, { nonce: 'b', n: 2, ledger: 'cd'.repeat(32) }])), 2, /signed for another ledger/)
  })

  it('the same on worker threads', async () => {
    const report = await verify(forgedLines([{ nonce: 'a', n: 1 }, { nonce: 'a', n: 2 }]), { workers: 2 })
    expect(report.failure?.reason).toMatch(/replayed nonce/)
  })
})

describe('every time in the format is a real instant, not just the right shape', () => {
  it.each([
    ['30 February', '2026-02-30T00:00:00.000Z'],
    ['hour 24', '2026-11-01T24:00:00.000Z'],
    ['a leap second', '2026-12-31T23:59:60.000Z'],
    ['year 0000', '0000-01-01T00:00:00.000Z'],
  ])('refuses a recordedAt on %s, signed by the ledger key', async (_label, recordedAt) => {
    expectFailure(await verify(forgedLines([{ nonce: 'a', n: 1 }, { nonce: 'b', n: 2, recordedAt }])), 2, /malformed envelope: recordedAt: expected a real UTC instant/)
  })

  it.each([
    ['31 April', '2026-04-31T00:00:00.000Z'],
    ['minute 60', '2026-11-01T00:60:00.000Z'],
  ])('refuses a command issuedAt on %s, signed by its actor', async (_label, issuedAt) => {
    expectFailure(await verify(forgedLines([{ nonce: 'a', n: 1 }, { nonce: 'b', n: 2, issuedAt }])), 2, /malformed command: command.issuedAt: expected a real UTC instant/)
  })
})

describe('events carry their format version, and a verifier refuses one it does not know', () => {
  it('the control: every event of the standard log says format 3', () => {
    const events = lines.flatMap((line) => (parse(line).event === undefined ? [] : [parse(line).event as Envelope]))
    expect(events.length).toBe(13)
    expect(events.every((event) => event.format === LEDGER_FORMAT)).toBe(true)
  })

  it('refuses an event of format 4, well signed and chained, at its sequence', async () => {
    expectFailure(await verify(forgedLines([{ nonce: 'a', n: 1 }, { nonce: 'b', n: 2, format: 4 }])), 2, /envelope format 4 is not one this verifier knows: it reads format 3 only/)
  })

  it('refuses a format-2 event (no format member), well signed by the ledger key', async () => {
    const forged = forgedLines([{ nonce: 'a', n: 1 }])
    const at = forged.findIndex((line) => parse(line).event !== undefined)
    const { format: _dropped, hash: _hash, signature: _signature, ...body } = parse(forged[at] as string).event as Envelope
    const hash = nativeCrypto.sha256(new TextEncoder().encode(canonicalize(body as unknown as JsonValue)))
    const old = { ...body, hash: toHex(hash), signature: toHex(ledgerSigner.sign(hash)) }
    forged[at] = render({ event: old as unknown as Envelope })
    expectFailure(await verify(forged), 1, /no format member/)
  })

  it('refuses a bundle header of another version before reading any event', async () => {
    const header = parse(lines[0] as string) as { header: Record<string, unknown> }
    const report = await verify(withLine(0, render({ header: { ...header.header, version: 2 } } as unknown as Line)))
    expectFailure(report, null, /bundle version 2 is not one this verifier knows/)
    expect(report.failure?.line).toBe(1)
  })
})

describe('numbers in data are written as ECMAScript writes them, or the line is refused', () => {
  /** The event line for `n`, hashed and signed over its body text with `written` in place of n: what a careless writer would seal. */
  function sealedWith(written: string): string[] {
    const forged = forgedLines([{ nonce: 'a', n: 1.5 }])
    const at = forged.findIndex((line) => parse(line).event !== undefined)
    const { hash: _hash, signature: _signature, ...body } = parse(forged[at] as string).event as Envelope
    const bodyText = canonicalize(body as unknown as JsonValue).replace('"data":{"n":1.5}', `"data":{"n":${written}}`)
    const hash = nativeCrypto.sha256(new TextEncoder().encode(bodyText))
    const line = `{"event":${bodyText.replace('"prevHash"', `"hash":"${toHex(hash)}","prevHash"`).replace('"signer"', `"signature":"${toHex(ledgerSigner.sign(hash))}","signer"`)}}`
    forged[at] = line
    return forged
  }

  it('the control: 1.5 written as 1.5 verifies', async () => {
    expect((await verify(sealedWith('1.5'))).ok).toBe(true)
  })

  it.each(['1.50', '15e-1', '1.5e0', '1.5E+0', '1.5000000000000000001'])('refuses 1.5 written as %s, though hashed and signed as written', async (written) => {
    expectFailure(await verify(sealedWith(written)), 1, /not in RFC 8785 canonical form/)
  })

  it.each([
    ['-0', /not in RFC 8785 canonical form/],
    ['9007199254740993', /not in RFC 8785 canonical form/],
    ['1e400', /data: not a JSON value/],
  ])('refuses %s, which I-JSON cannot hold exactly', async (written, reason) => {
    expectFailure(await verify(sealedWith(written)), 1, reason)
  })
})
