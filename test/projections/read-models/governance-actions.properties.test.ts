/**
 * The proposals, parameters and appeals read models over random economy histories with
 * executable proposals (parameter changes, treasury transfers, appeal resolutions), backing,
 * vetoes, appeals and everything else the economy does:
 *
 * - at every sequence k, the rows kept incrementally (one event at a time, as the runner and the
 *   console's replay do) equal a fold from zero of exactly the first k envelopes, and survive
 *   their stored form (encode, then decode);
 * - at every sequence they say what the rules' own fold says at k: each proposal's tally, quorum,
 *   deadline, backing and status, and its phase at any later time (`proposalPhase` = `phaseOf`);
 *   each executed change-parameter names the sequence it applies from, and `paramsAt` gives the
 *   old value just before it and the new value from it on; the parameters in force; every appeal.
 */
import fc from 'fast-check'
import { isLeft } from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { decideAndRecord, type Recorded } from '../../../domain/decider.js'
import { economyDecider } from '../../../domain/economy/decider.js'
import type { EconomyEvent } from '../../../domain/economy/events.js'
import type { EconomyState } from '../../../domain/economy/state.js'
import { encodeEvent, parseEvent } from '../../../domain/economy/wire.js'
import { phaseOf, tallyOf } from '../../../domain/governance/outcome.js'
import { PARAMETER_NAMES, parameterJson, type ParameterName } from '../../../domain/governance/parameters.js'
import { backingOf, paramsAt } from '../../../domain/governance/state.js'
import { LEDGER_FORMAT, type Envelope } from '../../../domain/ledger/envelope.js'
import { foldFromZero } from '../../../projections/fold.js'
import type { AnyProjection } from '../../../projections/projection.js'
import { appealKey, appealsProjection } from '../../../projections/read-models/appeals.js'
import { changeKey, parameterKey, parametersProjection, type ParametersRow } from '../../../projections/read-models/parameters.js'
import { proposalKey, proposalPhase, proposalsProjection, type ProposalsRow } from '../../../projections/read-models/proposals.js'
import { initialTable, step, storedRows, tableFromStored, type Table } from '../../../projections/table.js'
import { hashFor } from '../../domain/decider-spec.js'
import { withDatanet } from '../../domain/datanets/fixtures.js'
import { LEDGER, START } from '../../domain/governance/fixtures.js'
import { tokens } from '../../../domain/governance/amounts.js'
import { cmd as gov } from '../../domain/governance/fixtures.js'
import { ALICE, BOB, CAROL, DAVE } from '../../domain/datanets/fixtures.js'
import { actionsArb, play, preamble, type Action, type World } from '../../domain/rewards/random-economy.js'
import { arrayLog } from '../support.js'

const DAY = 24 * 60 * 60 * 1000
const MODELS = [proposalsProjection, parametersProjection, appealsProjection] as readonly AnyProjection[]

function envelopeOf(recorded: Recorded<EconomyEvent>, commandHash: string, actor: string): Envelope {
  const wire = encodeEvent(recorded.event)
  return {
    format: LEDGER_FORMAT, sequence: recorded.sequence, stream: wire.stream, streamVersion: 1, type: wire.type, data: wire.data, recordedAt: recorded.recordedAt,
    cause: { kind: 'command', commandHash, actor, actorSignature: '0'.repeat(128) }, prevHash: '0'.repeat(64), signer: LEDGER, hash: '0'.repeat(64), signature: '0'.repeat(128),
  }
}

/** The preamble's events as envelopes, each caused by the command that recorded it (as the spec helper decides them). */
function preambleEnvelopes(): Envelope[] {
  const out: Envelope[] = []
  let state = economyDecider.initialState
  let now = START
  let n = 0
  for (const s of withDatanet()) {
    if ('advance' in s) now += s.advance
    if (!('command' in s)) continue
    n++
    const at = new Date(now).toISOString()
    const outcome = decideAndRecord(economyDecider, state, s.command, { recordedAt: at, commandHash: hashFor(n), ledgerKey: LEDGER, issuedAt: at }, out.length + 1)
    if (isLeft(outcome)) throw new Error(`preamble refused: ${outcome.left.code}`)
    state = outcome.right.state
    for (const r of outcome.right.recorded) out.push(envelopeOf(r, hashFor(n), s.command.actor))
  }
  return out
}

const rowsOf = <V>(table: Table<unknown>) => table.rows as ReadonlyMap<string, V>

/** What the rules' fold says at this point, against the read models' rows. */
function expectAgree(state: EconomyState, proposals: ReadonlyMap<string, ProposalsRow>, parameters: ReadonlyMap<string, ParametersRow>, appeals: Table<unknown>, now: number, seen: Set<string>, boundary: boolean): void {
  const gov = state.governance
  for (const [id, p] of gov.proposals) {
    const row = proposals.get(proposalKey(id))
    if (row?.kind !== 'proposal') throw new Error(`no row for proposal ${id}`)
    const tally = tallyOf(gov, p)
    expect({ for: row.votes.for, against: row.votes.against, abstain: row.votes.abstain, snapshotSupply: row.quorum.snapshotSupply, required: row.quorum.required }).toEqual({
      for: tally.for, against: tally.against, abstain: tally.abstain, snapshotSupply: tally.snapshotPower, required: tally.quorum,
    })
    expect([row.voters, row.backers, row.backing, row.minBacking]).toEqual([p.ballots.size, p.backers.size, backingOf(p), p.minBacking])
    expect([Date.parse(row.votingStartsAt), Date.parse(row.votingEndsAt), row.eta === null ? null : Date.parse(row.eta)]).toEqual([p.votingStartsAt, p.votingEndsAt, p.eta])
    expect(row.type).toBe(p.spec === null ? 'actions' : 'model')
    expect(row.actions.map((a) => a.action)).toEqual(p.actions)
    const status = p.canceled ? 'canceled' : p.executed ? 'executed' : (p.finalized ?? (p.queuedAt !== null ? 'queued' : 'open'))
    expect(row.status).toBe(status)
    for (const at of [now, now + DAY, now + 8 * DAY, now + 30 * DAY, p.votingEndsAt - 1, p.votingEndsAt]) expect(proposalPhase(row, at), `${id} at ${at}`).toBe(phaseOf(gov, p, at))
    // Between a command's events (an execution is several) only the ones recorded so far are in.
    if (p.spec === null && boundary) expect(row.actions.every((a) => (a.executed !== null) === p.executed), 'an executed proposal executed every action').toBe(true)
    for (const a of row.actions) {
      if (a.executed === null || a.action.kind !== 'change-parameter') continue
      const name = a.action.name as ParameterName
      const before = paramsAt(gov, a.executed.sequence - 1)
      const after = paramsAt(gov, a.executed.sequence)
      if (before === undefined || after === undefined) throw new Error('no parameters around a change')
      expect([a.executed.from, a.executed.to]).toEqual([parameterJson(before, name), parameterJson(after, name)])
      const change = parameters.get(changeKey(a.executed.sequence))
      expect(change).toMatchObject({ kind: 'change', name, proposalId: id, from: a.executed.from, to: a.executed.to })
      seen.add('parameter changed')
    }
    if (row.actions.some((a) => a.action.kind === 'resolve-appeal' && a.executed !== null)) seen.add('appeal resolved')
    if (row.backers > 0) seen.add('backed')
  }
  const params = gov.genesis?.params
  if (params !== undefined) for (const name of PARAMETER_NAMES) expect(parameters.get(parameterKey(name)), name).toMatchObject({ value: parameterJson(params, name) })
  for (const [id, appeal] of state.appeals.appeals) {
    const row = appeals.get(appealKey(id)) as { status: string; amount: bigint; bond: bigint } | undefined
    expect(row?.status === 'pending', id).toBe(!appeal.resolved)
    expect([row?.amount, row?.bond]).toEqual([appeal.amount, appeal.bond])
    seen.add('appealed')
  }
}

const latestProposal = (w: World): string => w.proposals.at(-1) ?? 'ab'.repeat(32)

/** Random history, then whoever was slashed last appeals, and a proposal resolves the appeal (upheld or not), as random histories rarely do on their own. */
const historyArb: fc.Arbitrary<Action[]> = fc
  .tuple(fc.bigInt({ min: 1n, max: 10n ** 19n }), actionsArb, fc.boolean(), fc.constantFrom('for', 'against' as const), fc.constantFrom(0n, tokens(1_000)), fc.option(fc.constantFrom(tokens(500), tokens(2_000))))
  .map(([odd, random, upheld, support, minBacking, backing]) => [
  // An odd gOPEN supply, so the quorum's rounding up matters.
  { make: () => ({ command: gov.wrap(ALICE, odd) }) },
  ...random,
  {
    make: (w) => {
      const [slashSequence, slash] = [...w.state.appeals.slashes].at(-1) ?? [1, { account: ALICE }]
      return { command: { type: 'AppealSlash', actor: slash.account, payload: { slashSequence, statement: 'random appeal' } } }
    },
  },
  { make: (w) => ({ command: gov.proposeActions(CAROL, [{ kind: 'resolve-appeal', appealId: [...w.state.appeals.appeals.keys()].at(-1) ?? 'ab'.repeat(32), upheld, reason: 'random tribunal' }], { minBacking }) }) },
  ...(backing === null ? [] : [{ make: (w: World) => ({ command: gov.back(BOB, latestProposal(w), backing) }) }]),
  { advance: DAY },
  ...[ALICE, BOB, DAVE].map((v): Action => ({ make: (w) => ({ command: gov.voteWithReason(v, latestProposal(w), support, `${v.slice(0, 4)} says ${support}`) }) })),
  { advance: 7 * DAY },
  { make: (w) => ({ command: gov.queue(DAVE, latestProposal(w)) }) },
  { advance: DAY },
  { make: (w) => ({ command: gov.execute(DAVE, latestProposal(w)) }) },
])

describe('proposals, parameters and appeals read models over random economy histories', () => {
  const head = preambleEnvelopes()

  it('replayed to any sequence equal the incremental rows, and agree with the rules’ fold there', async () => {
    expect(head.length).toBe(preamble.sequence)
    const seen = new Set<string>()
    await fc.assert(
      fc.asyncProperty(historyArb, async (actions) => {
        const envelopes = [...head]
        play(actions, (s) => {
          const commandHash = hashFor(s.before.commands + 1)
          for (const r of s.recorded) envelopes.push(envelopeOf(r, commandHash, s.command.actor))
        })
        const tables = MODELS.map((p) => initialTable(p))
        let state = economyDecider.initialState
        for (const [i, envelope] of envelopes.entries()) {
          for (const [j, p] of MODELS.entries()) step(p, tables[j] as Table<unknown>, envelope)
          const event = parseEvent(envelope.type, envelope.data)
          if (event !== undefined) state = economyDecider.evolve(state, { event, sequence: envelope.sequence, recordedAt: envelope.recordedAt })
          const k = i + 1
          if (k < head.length && k % 10 !== 0) continue // the preamble is the same every run: every tenth sequence of it
          const [proposals, parameters, appeals] = tables as [Table<unknown>, Table<unknown>, Table<unknown>]
          const next = envelopes[k]
          const boundary = next === undefined || next.cause.kind !== 'command' || envelope.cause.kind !== 'command' || next.cause.commandHash !== envelope.cause.commandHash
          expectAgree(state, rowsOf<ProposalsRow>(proposals), rowsOf<ParametersRow>(parameters), appeals, Date.parse(envelope.recordedAt), seen, boundary)
          for (const [j, p] of MODELS.entries()) {
            const incremental = storedRows(p, tables[j] as Table<unknown>)
            expect(incremental, `${p.name} at ${k}`).toEqual(storedRows(p, (await foldFromZero(arrayLog(envelopes.slice(0, k)), p)).table))
            expect(storedRows(p, tableFromStored(p, incremental)), `${p.name} rows survive their stored form`).toEqual(incremental)
          }
        }
      }),
      // Seeded: the coverage check below must not depend on the draw (15 unseeded runs now and then missed a resolved appeal).
      { numRuns: 15, seed: 1 },
    )
    // The generator reaches what the read models add: otherwise this test would prove little.
    expect([...seen].sort()).toEqual(['appeal resolved', 'appealed', 'backed', 'parameter changed'])
  }, 300_000)
})
