/** rotate-key, head and verify spawned as a user runs them, on a real data directory. */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { Expected } from '../../../domain/ports/event-store.js'
import { openLedger } from '../../../infrastructure/data-dir.js'

const bin = fileURLToPath(new URL('../../../dist/api/cli/main.js', import.meta.url))
const work = mkdtempSync(join(tmpdir(), 'ml-rotate-cli-'))
const data = join(work, 'ledger')

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, MODEL_LEDGER_PASSPHRASE: '', MODEL_LEDGER_PASSPHRASE_FILE: '' } })
  return { code: result.status, out: result.stdout, err: result.stderr }
}

async function append(n: number): Promise<void> {
  const ledger = await openLedger(data)
  for (let i = 0; i < n; i++) await ledger.store.append({ writes: [{ stream: 'thing-1', expected: Expected.any, events: [{ type: 'ThingHappened', data: { i } }] }], reason: 'test' })
  await ledger.store.close()
}

let genesis = ''

beforeAll(async () => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build (npm test does)`)
  const init = cli('init', '--data', data, '--json')
  expect(init.code).toBe(0)
  genesis = (JSON.parse(init.out) as { publicKey: string }).publicKey
  await append(3)
}, 60_000)

describe('model-ledger rotate-key', () => {
  it('rotates, and head, verify, proof and checkpoint follow the keys from the genesis key', async () => {
    const rotated = cli('rotate-key', '--data', data, '--json')
    expect(rotated.err).toBe('')
    expect(rotated.code).toBe(0)
    const result = JSON.parse(rotated.out) as { previousKey: string; newKey: string; rotationSequence: number; checkpointSequence: number }
    expect(result.previousKey).toBe(genesis)
    await append(2)

    const head = JSON.parse(cli('head', '--data', data, '--json').out) as { ledgerPublicKey: string; signingKey: { publicKey: string }; keys: unknown[] }
    expect(head.ledgerPublicKey).toBe(genesis)
    expect(head.signingKey.publicKey).toBe(result.newKey)
    expect(head.keys).toEqual([{ publicKey: genesis, since: 1 }, { publicKey: result.newKey, since: result.rotationSequence + 1 }])
    expect(cli('head', '--data', data).out).toMatch(new RegExp(`signing key\\s+${result.newKey} from sequence ${result.rotationSequence + 1}`))

    const verify = cli('verify', '--data', data, '--key', join(data, 'keys', 'ledger.pub'))
    expect(verify.code).toBe(0)
    expect(verify.out).toMatch(new RegExp(`retired key\\s+${genesis} from sequence 1`))
    expect(cli('verify', '--data', data, '--key', genesis, '--full').code).toBe(0)
    expect(cli('verify', '--data', data, '--key', result.newKey).code).toBe(1)

    // The checkpoint both keys signed: a note with two signature lines, one vkey each.
    const note = cli('checkpoint', '--data', data, '--size', String(result.checkpointSequence - 1), '--json')
    const parsed = JSON.parse(note.out) as { note: string; vkeys: string[] }
    expect(parsed.vkeys).toHaveLength(2)
    expect(parsed.note.split('\n').filter((line) => line.startsWith('\u2014 '))).toHaveLength(2)

    const proofFile = join(work, 'proof.json')
    writeFileSync(proofFile, cli('proof', '--data', data, '--sequence', '1').out)
    expect(cli('verify-proof', proofFile, '--key', genesis).code).toBe(0)
    expect(JSON.parse(readFileSync(proofFile, 'utf8'))).toMatchObject({ version: 3, ledgerPublicKey: genesis })

    const anchorFile = join(work, 'anchor.json')
    writeFileSync(anchorFile, cli('head', '--data', data, '--anchor').out)
    expect(cli('verify', '--data', data, '--key', genesis, '--trusted-anchor', anchorFile).code).toBe(0)
  })

  it('is refused with one line while another process writes to the directory', async () => {
    const ledger = await openLedger(data)
    try {
      const refused = cli('rotate-key', '--data', data)
      expect(refused.code).toBe(1)
      expect(refused.err.trim().split('\n')).toHaveLength(1)
      expect(refused.err).toMatch(/in use by another model-ledger process.*rotate-key needs the directory to itself/)
    } finally {
      await ledger.store.close()
    }
  })
})
