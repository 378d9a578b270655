/** The data directory on real files: init checks everything before it writes anything. */
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { initDataDir, layout, readConfig } from '../../infrastructure/data-dir.js'

const FAST = { N: 1024, r: 8, p: 1 }
const dirs: string[] = []
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

async function fresh(): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'ml-datadir-')), 'data')
  dirs.push(dir)
  return dir
}

describe('initDataDir', () => {
  it('refuses a directory that lost its private key, keeping ledger.pub byte for byte and writing no new key', async () => {
    const dir = await fresh()
    const paths = layout(dir)
    const first = await initDataDir(dir, { passphrase: 'correct horse', cost: FAST })
    const pub = await readFile(paths.ledgerPub)
    const db = await readFile(paths.ledgerDb)
    await unlink(paths.ledgerKey)
    const before = (await readdir(paths.keys)).sort()

    await expect(initDataDir(dir, { passphrase: 'correct horse', cost: FAST })).rejects.toThrow(/has no ledger key .*ledger\.pub exists.*already holds a ledger \(key [0-9a-f]{64}\).*refusing/)

    expect(await readFile(paths.ledgerPub)).toEqual(pub)
    expect(pub.toString()).toBe(`${first.publicKey}\n`)
    expect(existsSync(paths.ledgerKey)).toBe(false)
    expect((await readdir(paths.keys)).sort()).toEqual(before)
    expect(await readFile(paths.ledgerDb)).toEqual(db)
  })

  it('refuses a store bound to a ledger even when every key file is gone', async () => {
    const dir = await fresh()
    const paths = layout(dir)
    await initDataDir(dir, { passphrase: 'pw', cost: FAST })
    await rm(paths.keys, { recursive: true })
    await expect(initDataDir(dir, { passphrase: 'pw', cost: FAST })).rejects.toThrow(/ledger\.db already holds a ledger/)
    expect(existsSync(paths.keys)).toBe(false)
  })

  it('refuses a development passphrase without its key rather than replacing it', async () => {
    const dir = await fresh()
    const paths = layout(dir)
    const env = { pass: process.env.MODEL_LEDGER_PASSPHRASE, file: process.env.MODEL_LEDGER_PASSPHRASE_FILE }
    delete process.env.MODEL_LEDGER_PASSPHRASE
    delete process.env.MODEL_LEDGER_PASSPHRASE_FILE
    try {
      await initDataDir(dir, { cost: FAST })
      const dev = await readFile(paths.devPassphrase)
      await rm(paths.ledgerKey)
      await rm(paths.ledgerPub)
      await rm(paths.ledgerDb)
      await expect(initDataDir(dir, { cost: FAST })).rejects.toThrow(/passphrase exists/)
      expect(await readFile(paths.devPassphrase)).toEqual(dev)
    } finally {
      if (env.pass !== undefined) process.env.MODEL_LEDGER_PASSPHRASE = env.pass
      if (env.file !== undefined) process.env.MODEL_LEDGER_PASSPHRASE_FILE = env.file
    }
  })

  it('keeps a config.json written before init, and running init again changes nothing', async () => {
    const dir = await fresh()
    const paths = layout(dir)
    await mkdir(dir, { recursive: true })
    await writeFile(paths.config, '{"anchorEvery": 7}\n')
    const created = await initDataDir(dir, { passphrase: 'pw', cost: FAST })
    expect(created.created).toBe(true)
    expect((await readConfig(dir)).anchorEvery).toBe(7)
    const pub = await readFile(paths.ledgerPub)
    const again = await initDataDir(dir, { passphrase: 'pw', cost: FAST })
    expect(again).toMatchObject({ created: false, publicKey: created.publicKey })
    expect(await readFile(paths.ledgerPub)).toEqual(pub)
  })
})
