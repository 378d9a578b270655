/**
 * Full verification re-decides every command against the replayed state. A ledger operator who
 * holds the ledger key can write well-signed, well-chained events the rules would never produce;
 * only re-deciding catches that.
 */
import { describe, expect, it } from 'vitest'
import { economy } from '../../../domain/economy/index.js'
import { tokens } from '../../../domain/governance/amounts.js'
import { GovernanceRequestC } from '../../../domain/governance/commands.js'
import type { JsonValue } from '../../../domain/json.js'
import { createRedecider } from '../../../domain/ledger/redecide.js'
import { Expected } from '../../../domain/ports/event-store.js'
import { verifyLines } from '../../../infrastructure/verify/verifier.js'
import { toHex } from '../../../domain/crypto/hex.js'
import { ALICE, BOB, cmd, DAY } from '../../domain/governance/fixtures.js'
import { harness, keyOf, ledgerSigner, sign, type Harness } from '../command-handler-support.js'
import { iterate, linesOf } from '../../support/ledger-fixture.js'
import type { StorageBackend } from '../../../infrastructure/store/backend.js'
import { createMemoryBackend } from '../../../infrastructure/store/memory-backend.js'
import { nativeEd25519 } from '../../../infrastructure/crypto/native.js'

const ledgerKey = toHex(ledgerSigner.publicKey)

async function accept(h: Harness, command: Parameters<typeof sign>[0]): Promise<string> {
  const result = await h.handler.handle(sign(command, new Date(h.clock.now()).toISOString()))
  if (!result.ok) throw new Error(`${command.type} refused: ${result.error.code}`)
  return result.commandHash
}

/** Genesis, two governors, a proposal open for voting; returns the proposal id. */
async function governed(h: Harness): Promise<string> {
  await accept(h, cmd.genesis())
  for (const who of [ALICE, BOB]) {
    await accept(h, cmd.register(who))
    await accept(h, cmd.wrap(who, tokens(20_000)))
    await accept(h, cmd.delegate(who, who))
  }
  const id = await accept(h, cmd.propose(ALICE, tokens(1_000), tokens(5_000)))
  h.clock.advance(DAY)
  return id
}

const full = (backend: StorageBackend) =>
  linesOf(backend).then((lines) => verifyLines(iterate(lines), { trustedKey: ledgerKey, workers: 0, redecide: (key) => createRedecider(economy, key) }))

describe('full verification', () => {
  it('re-decides every command of an honest ledger and gets the recorded events back', async () => {
    const backend = createMemoryBackend()
    const h = await harness(backend)
    const id = await governed(h)
    await accept(h, cmd.vote(ALICE, id, 'for'))
    await accept(h, cmd.vote(BOB, id, 'against'))
    await h.store.close()
    const report = await full(backend)
    expect(report.failure).toBeNull()
    expect(report.ok).toBe(true)
    expect(report.redecided).toBe(report.summary?.commands)
    expect(report.redecided).toBeGreaterThan(8)
  })

  it('re-decides across a ledger key rotation: commands name the ledger id, decided under the same context', async () => {
    const backend = createMemoryBackend()
    const h = await harness(backend)
    const id = await governed(h)
    await h.store.rotateKey(nativeEd25519.signer(new Uint8Array(32).fill(0x77)))
    await accept(h, cmd.vote(ALICE, id, 'for'))
    await accept(h, cmd.vote(BOB, id, 'against'))
    await h.store.close()
    const report = await full(backend)
    expect(report.failure).toBeNull()
    expect(report.summary?.keys).toHaveLength(2)
    expect(report.redecided).toBe(report.summary?.commands)
  })

  it('catches a well-signed vote whose weight the rules would not give', async () => {
    const backend = createMemoryBackend()
    const h = await harness(backend)
    const id = await governed(h)
    // Bob signs a real CastVote; the operator records it with ten times his power.
    const wire = GovernanceRequestC.encode({ type: 'CastVote', payload: { proposalId: id, support: 'for' } }) as { type: string; payload: JsonValue }
    const signed = sign({ type: 'CastVote', actor: BOB, payload: { proposalId: id, support: 'for' } }, new Date(h.clock.now()).toISOString())
    expect(signed.command.type).toBe(wire.type)
    const data = { proposalId: id, voter: keyOf(BOB), support: 'for', weight: tokens(200_000).toString() }
    await h.store.append({ command: signed, writes: [{ stream: `proposal-${id}`, expected: Expected.any, events: [{ type: 'VoteCast', data }] }] })
    await h.store.close()

    const plain = await verifyLines(iterate(await linesOf(backend)), { trustedKey: ledgerKey, workers: 0 })
    expect(plain.ok).toBe(true) // every signature and link holds
    const report = await full(backend)
    expect(report.ok).toBe(false)
    expect(report.failure?.reason).toMatch(/re-deciding CastVote/)
    expect(report.failure?.sequence).toBe((plain.summary?.head.sequence ?? 0) - 1)
  })

  it('catches a command recorded outside the command window: an old signed vote replayed by the operator', async () => {
    const backend = createMemoryBackend()
    const h = await harness(backend)
    const id = await governed(h)
    // Bob signed a vote a day ago (say, one refused then); the operator records it now, with the
    // weight the rules give, as if it were fresh. Only the command window says no.
    const stale = sign({ type: 'CastVote', actor: BOB, payload: { proposalId: id, support: 'for' } }, new Date(h.clock.now() - DAY).toISOString())
    const refused = await h.handler.handle(stale)
    expect(refused.ok === false && refused.error.code).toBe('command-expired')
    const data = { proposalId: id, voter: keyOf(BOB), support: 'for', weight: tokens(20_000).toString() }
    await h.store.append({ command: stale, writes: [{ stream: `proposal-${id}`, expected: Expected.any, events: [{ type: 'VoteCast', data }] }] })
    await h.store.close()
    const plain = await verifyLines(iterate(await linesOf(backend)), { trustedKey: ledgerKey, workers: 0 })
    expect(plain.ok).toBe(true)
    const report = await full(backend)
    expect(report.ok).toBe(false)
    expect(report.failure?.reason).toMatch(/re-deciding CastVote: the rules now refuse it \(command-expired/)
  })

  it('catches an event the rules would refuse to produce at all', async () => {
    const backend = createMemoryBackend()
    const h = await harness(backend)
    await governed(h)
    // A transfer of more OPEN than Alice has, signed by Alice and recorded by the operator.
    const signed = sign({ type: 'TransferOpen', actor: ALICE, payload: { to: BOB, amount: tokens(1_000_000) } }, new Date(h.clock.now()).toISOString())
    await h.store.append({
      command: signed,
      writes: [
        { stream: `account-${keyOf(ALICE)}`, expected: Expected.any, events: [{ type: 'OpenSent', data: { from: keyOf(ALICE), to: keyOf(BOB), amount: tokens(1_000_000).toString() } }] },
      ],
    })
    await h.store.close()
    const report = await full(backend)
    expect(report.ok).toBe(false)
    expect(report.failure?.reason).toMatch(/re-deciding TransferOpen: the rules now refuse it/)
  })
})

describe('full verification of a recorded event that does not decode', () => {
  it('reports it at its sequence instead of throwing', async () => {
    const backend = createMemoryBackend()
    const h = await harness(backend)
    await governed(h)
    await h.store.append({ reason: 'operator', writes: [{ stream: `account-${keyOf(ALICE)}`, expected: Expected.any, events: [{ type: 'OpenWrapped', data: { nonsense: true } }] }] })
    await h.store.close()
    const report = await full(backend)
    expect(report.ok).toBe(false)
    expect(report.failure?.reason).toMatch(/OpenWrapped/)
  })
})
