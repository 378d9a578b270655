/** Raw baselines measured in the same run as each benchmark: what the hardware and libraries give. */
import { createPrivateKey, createPublicKey, randomBytes, sign, verify } from 'node:crypto'
import Database from 'better-sqlite3'
import { perSecond } from './stats.js'

const PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex')

function keys() {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8, randomBytes(32)]), format: 'der', type: 'pkcs8' })
  return { privateKey, publicKey: createPublicKey(privateKey) }
}

/** node:crypto Ed25519 signatures per second on one core, over 32-byte messages. */
export function rawSignRate(count = 20_000): number {
  const { privateKey } = keys()
  const messages = Array.from({ length: 256 }, () => randomBytes(32))
  const started = performance.now()
  for (let i = 0; i < count; i++) sign(null, messages[i % messages.length] as Buffer, privateKey)
  return perSecond(count, started)
}

/** node:crypto Ed25519 verifications per second on one core, over distinct signatures. */
export function rawVerifyRate(count = 20_000): number {
  const { privateKey, publicKey } = keys()
  const pairs = Array.from({ length: 512 }, () => {
    const message = randomBytes(32)
    return { message, signature: sign(null, message, privateKey) }
  })
  const started = performance.now()
  for (let i = 0; i < count; i++) {
    const pair = pairs[i % pairs.length] as { message: Buffer; signature: Buffer }
    if (!verify(null, pair.message, publicKey, pair.signature)) throw new Error('raw verify failed')
  }
  return perSecond(count, started)
}

/**
 * Durable SQLite inserts per second of envelope-sized rows into the store's own table shape,
 * `batch` rows a transaction, WAL with synchronous=FULL (one fsync a transaction).
 */
export function rawSqliteInsertRate(file: string, rows = 50_000, batch = 500): number {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.exec(`CREATE TABLE events (sequence INTEGER PRIMARY KEY, stream TEXT NOT NULL, stream_version INTEGER NOT NULL, type TEXT NOT NULL,
    hash TEXT NOT NULL, command_hash TEXT, recorded_at TEXT NOT NULL, envelope TEXT NOT NULL, UNIQUE (stream, stream_version)) STRICT`)
  const insert = db.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
  const text = 'x'.repeat(700)
  const hash = 'a'.repeat(64)
  const started = performance.now()
  const tx = db.transaction((from: number) => {
    for (let i = from; i < from + batch; i++) insert.run(i, `bench-${i % 64}`, Math.floor(i / 64) + 1, 'Thing', hash, null, '2026-01-01T00:00:00.000Z', text)
  })
  for (let i = 1; i <= rows; i += batch) tx.immediate(i)
  const rate = perSecond(rows, started)
  db.close()
  return rate
}
