/** The CLI spawned as a user runs it: the built bin, real files, exit codes and one-line errors. */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'

const bin = fileURLToPath(new URL('../../../dist/api/cli/main.js', import.meta.url))
const work = mkdtempSync(join(tmpdir(), 'ml-cli-'))
const data = join(work, 'ledger')

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, MODEL_LEDGER_PASSPHRASE: '', MODEL_LEDGER_PASSPHRASE_FILE: '' } })
  return { code: result.status, out: result.stdout, err: result.stderr }
}

let key = ''
let stages: { name: string; details: string[] }[] = []

beforeAll(() => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build (npm test does)`)
  const demo = cli('demo', '--data', data, '--json')
  expect(demo.err).toBe('')
  expect(demo.code).toBe(0)
  const summary = JSON.parse(demo.out) as { ledgerPublicKey: string; verification: { ok: boolean }; stages: typeof stages }
  expect(summary.verification.ok).toBe(true)
  key = summary.ledgerPublicKey
  stages = summary.stages
}, 120_000)

describe('model-ledger CLI', () => {
  it('writes the demo ids to DIR/demo-summary.json, and they work in the README commands', () => {
    const ids = JSON.parse(readFileSync(join(data, 'demo-summary.json'), 'utf8')) as Record<string, string | null> & { datasetVersion: { datanetId: string; version: number; root: string } }
    expect(ids.ledgerPublicKey).toBe(key)
    for (const id of [ids.mandateId, ids.datanetId, ids.jobId, ids.checkpoint, ids.deploymentId, ids.contentHash, ids.datasetVersion.root]) expect(id).toMatch(/^[0-9a-f]{64}$/)
    const lineage = cli('lineage', ids.deploymentId as string, '--data', data)
    expect(lineage.code).toBe(0)
    expect((JSON.parse(lineage.out) as { graph: { target: { kind: string } } }).graph.target.kind).toBe('deployment')
    const version = cli('lineage', '--data', data, '--version', `${ids.datasetVersion.datanetId}:${ids.datasetVersion.version}`)
    expect(version.code, version.err).toBe(0)
  })

  it('shows a parameter changed by an executable proposal from its sequence on, and an appeal upheld that reverses the slash', () => {
    interface Summary {
      parameterChange: { proposalId: string; name: string; from: string; to: string; appliesFrom: number }
      appeal: { appealId: string; account: string; slashSequence: number; amount: string; bond: string; appealedAt: number; proposalId: string; upheld: boolean; slashReversedAt: number }
    }
    const { parameterChange: change, appeal } = JSON.parse(readFileSync(join(data, 'demo-summary.json'), 'utf8')) as Summary
    for (const id of [change.proposalId, appeal.appealId, appeal.proposalId, appeal.account]) expect(id).toMatch(/^[0-9a-f]{64}$/)
    expect(change).toMatchObject({ name: 'appealBond', from: '100000000000000000000', to: '50000000000000000000' })
    // The appeal came after the change, so it locked the new bond.
    expect(appeal.appealedAt).toBeGreaterThan(change.appliesFrom)
    expect(appeal).toMatchObject({ bond: change.to, amount: '100000000000000000000', upheld: true })
    expect(appeal.slashReversedAt).toBeGreaterThan(appeal.appealedAt)
    // The sequences the summary names hold those events in the exported log.
    const events = new Map<number, { type: string; data: Record<string, unknown> }>()
    for (const line of readFileSync(join(data, 'ledger.bundle.jsonl'), 'utf8').trim().split('\n').slice(1)) {
      const { event } = JSON.parse(line) as { event?: { sequence: number; type: string; data: Record<string, unknown> } }
      if (event !== undefined) events.set(event.sequence, event)
    }
    expect(events.get(change.appliesFrom)).toMatchObject({ type: 'ParameterChanged', data: { proposalId: change.proposalId, name: 'appealBond', from: change.from, to: change.to } })
    expect(events.get(appeal.slashSequence)).toMatchObject({ type: 'StakeSlashed', data: { account: appeal.account, amount: appeal.amount } })
    expect(events.get(appeal.appealedAt)).toMatchObject({ type: 'SlashAppealed', data: { appealId: appeal.appealId, bond: appeal.bond } })
    expect(events.get(appeal.slashReversedAt)).toMatchObject({ type: 'SlashReversed', data: { appealId: appeal.appealId, account: appeal.account, amount: appeal.amount } })
    expect(events.get(appeal.slashReversedAt - 1)).toMatchObject({ type: 'AppealResolved', data: { appealId: appeal.appealId, proposalId: appeal.proposalId, upheld: true } })
    // And the printed stages say so.
    const lines = stages.flatMap((stage) => stage.details)
    const s = change.appliesFrom
    expect(lines).toContain(`ParameterChanged at sequence ${s}: appealBond is 100 OPEN at sequence ${s - 1} and 50 OPEN from sequence ${s} on (paramsAt)`)
    expect(lines.some((l) => /^ {2}bob votes against: "/.test(l))).toBe(true)
    expect(lines.some((l) => l.includes(`beyond its bounds (0 – 1,000,000 OPEN), is refused (parameter-out-of-bounds)`))).toBe(true)
    expect(lines.some((l) => l.startsWith(`dave appeals the slash at sequence ${appeal.slashSequence} `) && l.endsWith('posting the appeal bond in force: 50 OPEN'))).toBe(true)
    expect(lines.some((l) => l.includes(`AppealResolved upheld, SlashReversed at sequence ${appeal.slashReversedAt} pays dave 100 OPEN back from the treasury, and his 50 OPEN bond is released`))).toBe(true)
    const balances = lines.find((l) => l.includes("dave's free OPEN"))
    // Dave's free OPEN gains the slash and his bond back; the treasury pays the slash.
    const moves = [...(balances ?? '').matchAll(/([\d,]+) → ([\d,]+)/g)].map(([, from, to]) => Number((to ?? '').replaceAll(',', '')) - Number((from ?? '').replaceAll(',', '')))
    expect(moves).toEqual([150, -100])
  })

  it('establishes a genesis on a fresh ledger from a file and flags, once, and refuses bad input in one line', () => {
    const fresh = join(work, 'fresh')
    expect(cli('init', '--data', fresh).code).toBe(0)
    const [treasury, alice, bob] = ['aa', 'bb', 'cc'].map((b) => b.repeat(32)) as [string, string, string]
    const file = join(work, 'genesis.json')
    writeFileSync(file, JSON.stringify({ treasuryKey: treasury, treasury: '1000000000000000000000000', allocations: [{ account: alice, amount: '50000000000000000000000' }], params: { votingPeriodMs: 120000 } }))
    const made = cli('genesis', '--data', fresh, '--file', file, '--allocate', `${bob}=7000000000000000000`, '--json')
    expect(made.err).toBe('')
    expect(made.code).toBe(0)
    expect(JSON.parse(made.out)).toMatchObject({ ok: true, firstSequence: 1, treasuryKey: treasury, allocations: 2 })
    const verify = cli('verify', '--data', fresh, '--key', join(fresh, 'keys', 'ledger.pub'), '--full')
    expect(verify.code).toBe(0)
    const again = cli('genesis', '--data', fresh, '--treasury-key', treasury)
    expect(again.code).toBe(1)
    expect(again.err.trim().split('\n')).toHaveLength(1)
    expect(again.err).toMatch(/genesis refused/)
    const bad = cli('genesis', '--data', fresh, '--treasury-key', treasury, '--treasury', '1.5')
    expect(bad.code).toBe(2)
    expect(bad.err).toMatch(/base units/)
  })

  it('verifies the demo ledger under its key, with the key file or the hex', () => {
    const byFile = cli('verify', '--data', data, '--key', join(data, 'keys', 'ledger.pub'))
    expect(byFile.code).toBe(0)
    expect(byFile.out).toMatch(/^OK: \d+ events/)
    const json = cli('verify', '--data', data, '--key', key, '--json')
    expect(json.code).toBe(0)
    expect(JSON.parse(json.out)).toMatchObject({ ok: true, keySource: 'trusted', ledgerPublicKey: key })
  })

  it('re-decides every command with --full', () => {
    const result = cli('verify', '--data', data, '--key', key, '--full', '--json')
    expect(result.code).toBe(0)
    const report = JSON.parse(result.out) as { ok: boolean; redecided: number; summary: { commands: number } }
    expect(report.ok).toBe(true)
    expect(report.redecided).toBe(report.summary.commands)
  })

  it('says when nothing outside the log confirms the key', () => {
    const result = cli('verify', '--data', data)
    expect(result.code).toBe(0)
    expect(result.out).toMatch(/nothing outside the log confirms it/)
  })

  it('exports, verifies the bundle offline, and fails it after a one-byte change naming the sequence', () => {
    const bundle = join(work, 'ledger.jsonl')
    expect(cli('export', '--data', data, '--out', bundle).code).toBe(0)
    expect(cli('verify', '--bundle', bundle, '--key', key).code).toBe(0)
    const text = readFileSync(bundle, 'utf8')
    const at = text.lastIndexOf('"displayName":"bob"') // in the event, after the command that caused it
    const tampered = join(work, 'tampered.jsonl')
    writeFileSync(tampered, `${text.slice(0, at)}"displayName":"bub"${text.slice(at + '"displayName":"bob"'.length)}`)
    const result = cli('verify', '--bundle', tampered, '--key', key)
    expect(result.code).toBe(1)
    expect(result.out).toMatch(/^FAILED at sequence \d+ \(line \d+\): hash does not match/)
  })

  it('imports a bundle into a new directory and refuses a bad one without writing anything', () => {
    const bundle = join(work, 'for-import.jsonl')
    cli('export', '--data', data, '--out', bundle)
    const copy = join(work, 'imported')
    const imported = cli('import', '--bundle', bundle, '--data', copy, '--key', key)
    expect(imported.code).toBe(0)
    expect(cli('verify', '--data', copy, '--key', key).code).toBe(0)
    const bad = join(work, 'bad.jsonl')
    writeFileSync(bad, readFileSync(bundle, 'utf8').replace('"displayName":"carol"', '"displayName":"karol"'))
    const refused = cli('import', '--bundle', bad, '--data', join(work, 'never'), '--key', key)
    expect(refused.code).toBe(1)
    expect(refused.err).toMatch(/^model-ledger import: import refused, nothing written/)
    expect(existsSync(join(work, 'never', 'ledger.db'))).toBe(false)
  })

  it('prints a proof that verify-proof accepts under the ledger key and refuses under another', () => {
    const proof = cli('proof', '--data', data, '--sequence', '3')
    expect(proof.code).toBe(0)
    const file = join(work, 'proof.json')
    writeFileSync(file, proof.out)
    expect(cli('verify-proof', file, '--key', key).out).toMatch(/^OK: sequence 3 is in the tree of size/)
    const other = cli('verify-proof', file, '--key', 'ab'.repeat(32))
    expect(other.code).toBe(1)
    expect(other.out).toMatch(/^FAILED: the event is signed by/)
  })

  it('checks a kept anchor with --trusted-anchor', () => {
    const anchor = cli('head', '--data', data, '--anchor')
    expect(anchor.code).toBe(0)
    const file = join(work, 'anchor.json')
    writeFileSync(file, anchor.out)
    expect(cli('verify', '--data', data, '--key', key, '--trusted-anchor', file).code).toBe(0)
    const forged = join(work, 'forged-anchor.json')
    const kept = JSON.parse(anchor.out) as { hash: string }
    // Change the hash's first digit to a different one, whatever it was.
    writeFileSync(forged, JSON.stringify({ ...kept, hash: `${kept.hash.startsWith('0') ? '1' : '0'}${kept.hash.slice(1)}` }))
    const result = cli('verify', '--data', data, '--key', key, '--trusted-anchor', forged)
    expect(result.code).toBe(2)
    expect(result.err).toMatch(/not signed by the trusted key/)
  })

  it('traces a dataset version to exactly its accepted contributions, with proofs that verify-report checks', () => {
    const bundle = join(work, 'lineage.jsonl')
    cli('export', '--data', data, '--out', bundle)
    const sealed = readFileSync(bundle, 'utf8')
      .split('\n')
      .filter((line) => line.includes('"type":"DatasetVersionSealed"'))
      .map((line) => (JSON.parse(line) as { event: { data: { datanetId: string; version: number; contributions: string[] } } }).event.data)[0]
    if (sealed === undefined) throw new Error('the demo sealed no dataset version')
    const result = cli('lineage', '--data', data, '--version', `${sealed.datanetId}:${sealed.version}`)
    expect(result.code).toBe(0)
    const report = JSON.parse(result.out) as { graph: { nodes: { id: string; kind: string; facts: Record<string, unknown> }[] }; streams: { version: number; events: unknown[] }[] }
    const contributions = report.graph.nodes.filter((node) => node.kind === 'contribution')
    expect(contributions.map((node) => node.id.split(':')[1]).sort()).toEqual([...sealed.contributions].sort())
    expect(contributions.every((node) => node.facts.outcome === 'accepted' && typeof node.facts.licence === 'string')).toBe(true)
    expect(report.graph.nodes.map((node) => node.kind)).toEqual(expect.arrayContaining(['proposal', 'mandate', 'datanet', 'dataset-version', 'reward-epoch']))
    expect(report.streams.every((stream) => stream.events.length === stream.version)).toBe(true)
    const file = join(work, 'lineage.json')
    writeFileSync(file, result.out)
    expect(cli('verify-report', file, '--key', key).out).toMatch(/^OK: \d+ streams whole at checkpoint #\d+ \(tree size \d+\) signed by [0-9a-f]{64}, \d+ events; the graph follows from them\n$/)
    const tampered = join(work, 'lineage-tampered.json')
    writeFileSync(tampered, result.out.replace(/"licence": "CC0-1.0"/, '"licence": "CC-BY-4.0"'))
    expect(readFileSync(tampered, 'utf8')).not.toBe(result.out)
    const refused = cli('verify-report', tampered, '--key', key)
    expect(refused.code).toBe(1)
    expect(refused.out).toMatch(/^FAILED: /)
    const html = cli('lineage', '--data', data, '--version', `${sealed.datanetId}:${sealed.version}`, '--format', 'html')
    expect(html.out).toMatch(/^<!doctype html>/)
    expect(html.out).toContain('<svg')
    const sheet = cli('lineage', '--data', data, '--version', `${sealed.datanetId}:${sealed.version}`, '--format', 'datasheet')
    expect(sheet.out).toContain('Annex IV')
    const reverse = cli('lineage', '--data', data, '--contribution', String(contributions[0]?.facts.contentHash))
    expect(reverse.code).toBe(0)
    expect((JSON.parse(reverse.out) as { graph: { nodes: { kind: string }[] } }).graph.nodes.map((n) => n.kind)).toContain('dataset-version')
  })

  it('keeps read models of datanets, reward maps and validator reputation that follow from the story', () => {
    type Rows = { rows: Record<string, Record<string, unknown>> }
    const show = (name: string) => JSON.parse(cli('projections', 'show', '--data', data, name, '--json').out) as Rows
    const datanets = Object.values(show('datanets').rows)
    const datanet = datanets.find((row) => row.kind === 'datanet')
    // 4 contributions in the data stage (one spam) and 18 labelled notes in the training stage.
    expect(datanet).toMatchObject({ contributions: 22, accepted: 21, rejected: 1, versions: 2 })
    expect(datanets.filter((row) => row.kind === 'contribution' && row.outcome === 'spam')).toHaveLength(1)
    const validators = Object.values(show('validators').rows)
    expect(validators).toHaveLength(3)
    const frank = validators.find((row) => row.disagreed === 4)
    expect(frank).toMatchObject({ verdicts: 22, agreed: 18, penalized: 1, slashed: (200n * 10n ** 18n).toString() })
    expect(validators.filter((row) => row.disagreed === 0 && row.agreed === 22)).toHaveLength(2)
    // Trust: frank, who disagreed four times and was penalized in the round, trusts least (millionths, docs/governance.md).
    const honest = validators.filter((row) => row !== frank).map((row) => row.trust as number)
    expect(honest.every((trust) => trust > (frank?.trust as number))).toBe(true)
    const [epoch] = Object.values(show('reward-maps').rows) as { dataPool: string; validatorPool: string; roundRewards: string; payouts: { amount: string }[] }[]
    if (epoch === undefined) throw new Error('no reward epoch')
    const paid = epoch.payouts.reduce((sum, p) => sum + BigInt(p.amount), 0n)
    expect(paid).toBe(BigInt(epoch.dataPool) + BigInt(epoch.validatorPool) + BigInt(epoch.roundRewards))
  })

  it('answers bad usage with one line on stderr and exit 2', () => {
    for (const args of [['verify'], ['verify', '--data', data, '--bundle', 'x'], ['proof', '--data', data], ['bogus'], ['verify', '--nope']]) {
      const result = cli(...args)
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.err.trim().split('\n')[0]).toMatch(/^model-ledger/)
    }
    expect(cli('verify', '--data', data, '--bundle', 'x').err.trim().split('\n')).toHaveLength(1)
  })

  it('gives --help for every command', () => {
    for (const command of ['init', 'genesis', 'demo', 'keygen', 'head', 'verify', 'export', 'import', 'proof', 'verify-proof', 'lineage', 'verify-report']) {
      const result = cli(command, '--help')
      expect(result.code, command).toBe(0)
      expect(result.out).toMatch(new RegExp(`^model-ledger ${command}`))
    }
  })

  it('fails a missing directory with one line and exit 3', () => {
    const result = cli('verify', '--data', join(work, 'absent'))
    expect(result.code).toBe(3)
    expect(result.err.trim().split('\n')).toHaveLength(1)
  })
})
