import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { cosignatureVerifier } from '../../../domain/tlog/cosignature.js'
import { openNote } from '../../../domain/tlog/note.js'
import { verifierFromVkey } from '../../../domain/tlog/vkey.js'
import { originHash } from '../../../infrastructure/witness/witness.js'
import { crypto, openState, tempDir, testLog, WITNESS_NAME, witnessKey, witnessOn } from './support.js'

const enc = new TextEncoder()
const log = testLog()

describe('witness state', () => {
  it('a cosigned head survives closing and reopening, and the stored note verifies under the log and the witness', () => {
    const dir = tempDir()
    const first = openState(dir)
    const witness = witnessOn(first, [log])
    expect(witness.addCheckpoint(enc.encode(log.body(0, 10)))).toMatchObject({ ok: true, size: 10 })
    expect(witness.addCheckpoint(enc.encode(log.body(10, 17)))).toMatchObject({ ok: true, size: 17 })
    first.close()

    const again = openState(dir)
    const restarted = witnessOn(again, [log])
    expect(restarted.addCheckpoint(enc.encode(log.body(0, 20)))).toMatchObject({ ok: false, status: 409, size: 17 })
    expect(restarted.addCheckpoint(enc.encode(log.body(10, 20)))).toMatchObject({ ok: false, status: 409, size: 17 })
    const note = restarted.checkpoint(originHash(log.origin, crypto))
    const logVerifier = verifierFromVkey(log.vkey, crypto)
    if (note === undefined || !logVerifier.ok) throw new Error('no stored checkpoint')
    const opened = openNote(note, [logVerifier.value, cosignatureVerifier(WITNESS_NAME, witnessKey.publicKey, crypto)])
    expect(opened.ok && opened.value.verified.map((s) => s.name)).toEqual([log.origin, WITNESS_NAME])
    expect(opened.ok && opened.value.note.text).toBe(log.checkpoint(17).split('\n\n')[0] + '\n')
    expect(restarted.addCheckpoint(enc.encode(log.body(17, 20)))).toMatchObject({ ok: true, size: 20 })
    again.close()
  })

  it('two connections to one file (two processes): of two swaps from the same head exactly one lands', () => {
    const dir = tempDir()
    const a = openState(dir)
    const b = openState(dir)
    const root = log.tree().root(5)
    const next = (size: number, history: string) => ({ size, root: log.tree(history).root(size), note: `n${size}${history}`, originHash: originHash(log.origin, crypto), recordedAt: 1 })
    // Both find no head, both try to be first.
    expect([a.advance(log.origin, undefined, next(5, 'a')), b.advance(log.origin, undefined, next(5, 'b'))]).toEqual([true, false])
    const head = b.latest(log.origin)
    expect(head?.size).toBe(5)
    expect(Buffer.from(head?.root ?? []).equals(Buffer.from(root))).toBe(true)
    // Both judged against size 5; one grows to 9, the fork to 12 must then fail.
    const judged = a.latest(log.origin)
    expect([b.advance(log.origin, judged, next(9, 'a')), a.advance(log.origin, judged, next(12, 'b'))]).toEqual([true, false])
    expect(a.latest(log.origin)?.size).toBe(9)
    // A head with the right size but another root is not the head either.
    expect(a.advance(log.origin, { size: 9, root: log.tree('b').root(9) }, next(10, 'b'))).toBe(false)
    a.close()
    b.close()
  })

  it('two processes submitting to one file at once: no size is cosigned twice, and the head ends at the top', async () => {
    const dir = tempDir()
    const script = `
      import { openState, testLog, witnessOn } from './test/infrastructure/witness/support.ts'
      const log = testLog(undefined, undefined, 200)
      const state = openState(process.argv[1])
      const witness = witnessOn(state, [log])
      log.tree()
      // Start together: say ready, wait for the go line.
      console.log('ready')
      await new Promise((resolve) => process.stdin.once('data', resolve))
      const accepted = []
      for (let size = 1; size <= 200; size++) {
        const old = state.latest(log.origin)?.size ?? 0
        if (old >= size) continue
        const outcome = witness.addCheckpoint(new TextEncoder().encode(log.body(old, size)))
        if (outcome.ok) accepted.push(size)
        else if (outcome.status !== 409) throw new Error(outcome.reason)
      }
      state.close()
      console.log(JSON.stringify(accepted))
      process.exit(0)
    `
    const children = [0, 1].map(() => spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir], { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'pipe'] }))
    let ready = 0
    const results = children.map(
      (child) =>
        new Promise<number[]>((resolve, reject) => {
          let out = ''
          let err = ''
          child.stdout.on('data', (chunk: Buffer) => {
            out += chunk.toString()
            if (out.startsWith('ready\n') && !out.includes('go')) {
              out = out.replace('ready\n', 'go')
              if (++ready === children.length) for (const each of children) each.stdin.write('go\n')
            }
          })
          child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
          child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.replace('go', '')) as number[]) : reject(new Error(err))))
        }),
    )
    const [one = [], two = []] = await Promise.all(results)
    // Not vacuous: both processes got sizes cosigned (about 180 and 20 here).
    expect(one.length).toBeGreaterThan(0)
    expect(two.length).toBeGreaterThan(0)
    expect(one.filter((size) => two.includes(size))).toEqual([])
    const state = openState(dir)
    expect(state.latest(log.origin)?.size).toBe(200)
    state.close()
  }, 60_000)

  it('keeps a refused checkpoint the log signed (a fork) as evidence, and nothing for one it did not sign', () => {
    const dir = tempDir()
    const state = openState(dir)
    const witness = witnessOn(state, [log])
    expect(witness.addCheckpoint(enc.encode(log.body(0, 8))).ok).toBe(true)
    const fork = log.body(8, 8, 'b')
    expect(witness.addCheckpoint(enc.encode(fork))).toMatchObject({ ok: false, status: 422, code: 'inconsistent' })
    const stranger = testLog(log.origin, 0x22)
    expect(witness.addCheckpoint(enc.encode(stranger.body(8, 8, 'b')))).toMatchObject({ ok: false, status: 403 })
    const kept = state.evidence(log.origin)
    expect(kept.map((e) => [e.status, e.code])).toEqual([[422, 'inconsistent']])
    expect(new TextDecoder().decode(kept[0]?.request)).toBe(fork)
    state.close()
  })
})
