/**
 * Economy ledgers whose state grows with the log, for the benchmarks that need many accounts: a
 * genesis of 1,000 funded accounts, then a newly registered account at every fifth step and
 * transfers of 1 base unit from a random genesis account to a random account between them (about
 * one new account per 9 events: ~110,000 accounts at 1,000,000 events).
 *
 * Two forms of the same shape, both cached under .bench/:
 * - `ensureEconomyLog`: an SQLite log of system events (no commands), sealed and signed as the
 *   sequencer seals them: what a fold reads (bench/snapshot.ts).
 * - `ensureCommandLedger`: a data directory (`serve --data`, `verify --data`) written by the
 *   ledger itself: every event caused by a command signed by its actor (RegisterIdentity,
 *   TransferOpen; the genesis is EstablishGenesis signed by the ledger key), decided by the
 *   economy rules through the command handler, sealed, anchored every 1,000 events and committed
 *   by the store, so `verify --full` has a command to re-decide for every event but the anchors.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { economy, encodeRequest } from '../domain/economy/index.js'
import type { EconomyEvent } from '../domain/economy/events.js'
import { toHex } from '../domain/crypto/hex.js'
import { tokens } from '../domain/governance/amounts.js'
import { defaultParams } from '../domain/governance/params.js'
import type { JsonValue } from '../domain/json.js'
import { signCommand } from '../domain/ledger/command.js'
import { LEDGER_FORMAT, sealEnvelopeText, ZERO_HASH, type Envelope } from '../domain/ledger/envelope.js'
import type { Signer } from '../domain/ports/crypto.js'
import { createCommandHandler } from '../infrastructure/command-handler.js'
import { nativeCrypto, nativeEd25519 } from '../infrastructure/crypto/native.js'
import { initDataDir, openLedger } from '../infrastructure/data-dir.js'
import { createSqliteBackend } from '../infrastructure/store/sqlite-backend.js'

/** Accounts funded by the genesis; transfers are sent from these. */
export const INITIAL_ACCOUNTS = 1_000

export type EconomyStep = { readonly kind: 'register'; readonly step: number; readonly account: number } | { readonly kind: 'transfer'; readonly step: number; readonly from: number; readonly to: number }

/**
 * The ledger's activity, endless and deterministic: account numbers 1..INITIAL_ACCOUNTS are the
 * genesis's, each registration adds the next number, each transfer goes from a genesis account to
 * any account numbered so far (never to itself).
 */
export function* economySteps(): Generator<EconomyStep> {
  let accounts = INITIAL_ACCOUNTS
  let x = 12345
  for (let step = 0; ; step++) {
    if (step % 5 === 0) {
      accounts++
      yield { kind: 'register', step, account: accounts }
      continue
    }
    x = (x * 1103515245 + 12345) % 2147483648
    const from = (x % INITIAL_ACCOUNTS) + 1
    const to = ((x >> 8) % accounts) + 1
    if (to !== from) yield { kind: 'transfer', step, from, to }
  }
}

const START = Date.UTC(2026, 0, 1)

export const logSigner = nativeEd25519.signer(new Uint8Array(32).fill(44))
export const LOG_LEDGER = toHex(logSigner.publicKey)
const fakeKey = (i: number): string => i.toString(16).padStart(64, '0')

/** Builds (once) an SQLite log of `events` economy events, system cause, signed by `logSigner`. */
export async function ensureEconomyLog(events: number): Promise<string> {
  const path = `.bench/snapshot-${events}.db`
  if (existsSync(path)) return path
  mkdirSync('.bench', { recursive: true })
  const temp = `${path}.tmp`
  rmSync(temp, { force: true })
  const backend = createSqliteBackend(temp)
  await backend.bindLedgerKey(LOG_LEDGER)
  const versions = new Map<string, number>()
  let head = { sequence: 0, hash: ZERO_HASH, recordedAt: null as string | null }
  let time = START
  let batch: Envelope[] = []
  let texts: string[] = []
  let committedHead = head
  const emit = (event: EconomyEvent): void => {
    const { stream, type, data } = economy.encodeEvent(event)
    const streamVersion = (versions.get(stream) ?? 0) + 1
    versions.set(stream, streamVersion)
    const recordedAt = new Date(time).toISOString()
    const { envelope, text } = sealEnvelopeText({ format: LEDGER_FORMAT, sequence: head.sequence + 1, stream, streamVersion, type, data, recordedAt, cause: { kind: 'system', reason: 'bench' }, prevHash: head.hash, signer: LOG_LEDGER }, logSigner, nativeCrypto)
    head = { sequence: envelope.sequence, hash: envelope.hash, recordedAt }
    batch.push(envelope)
    texts.push(text)
  }
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return
    await backend.commit({ expectedHead: committedHead, envelopes: batch, texts, commands: [] })
    committedHead = head
    batch = []
    texts = []
  }
  emit({ type: 'GenesisEstablished', data: { params: defaultParams, ledgerKey: LOG_LEDGER, treasuryKey: fakeKey(1), treasury: tokens(1_000_000), allocations: Array.from({ length: INITIAL_ACCOUNTS }, (_, i) => ({ account: fakeKey(i + 2), amount: tokens(1_000) })) } } as EconomyEvent)
  for (const step of economySteps()) {
    if (head.sequence >= events) break
    time = START + 7 * (step.step + 1)
    if (step.kind === 'register') {
      emit({ type: 'IdentityRegistered', data: { key: fakeKey(step.account + 1), displayName: `account ${step.account}` } } as EconomyEvent)
      continue
    }
    const data = { from: fakeKey(step.from + 1), to: fakeKey(step.to + 1), amount: 1n }
    emit({ type: 'OpenSent', data } as EconomyEvent)
    emit({ type: 'OpenReceived', data } as EconomyEvent)
    if (batch.length >= 2_000) await flush()
  }
  await flush()
  await backend.close()
  renameSync(temp, path)
  return path
}

/** Account n's signer: a key of its own, from a seed made of its number. */
function accountSigner(n: number): Signer {
  const seed = new Uint8Array(32)
  new DataView(seed.buffer).setUint32(0, n + 1)
  seed[31] = 0x5a
  return nativeEd25519.signer(seed)
}

export function commandLedgerDir(events: number): string {
  return `.bench/scale-${events}`
}

/**
 * Builds (once) a data directory of about `events` events, all written by the ledger from signed
 * commands (`concurrency` commands in flight, as many clients would submit them). Returns the
 * directory and its ledger key.
 */
export async function ensureCommandLedger(events: number, options: { concurrency?: number; onProgress?: (sequence: number) => void } = {}): Promise<{ dir: string; key: string; built: boolean }> {
  const dir = commandLedgerDir(events)
  const keyFile = `${dir}/keys/ledger.pub`
  if (existsSync(keyFile)) {
    return { dir, key: readFileSync(keyFile, 'utf8').trim(), built: false }
  }
  mkdirSync('.bench', { recursive: true })
  const temp = `${dir}.tmp`
  rmSync(temp, { recursive: true, force: true })
  // A development passphrase; a cheap scrypt cost, since this key guards nothing.
  await initDataDir(temp, { cost: { N: 1 << 10, r: 8, p: 1 } })
  const { store, signer } = await openLedger(temp, { purpose: 'bench fixture' })
  const handler = createCommandHandler({ store, vertical: economy })
  const ledger = store.ledgerPublicKey
  const initial = Array.from({ length: INITIAL_ACCOUNTS }, (_, i) => accountSigner(i + 1))
  const keys: string[] = ['', ...initial.map((s) => toHex(s.publicKey))]
  let nonce = 0
  const submit = async (type: string, payload: JsonValue, by: Signer): Promise<number> => {
    const signed = signCommand({ type, payload, actor: toHex(by.publicKey), nonce: `n${++nonce}`, issuedAt: new Date().toISOString(), ledger }, by, nativeCrypto)
    for (;;) {
      const result = await handler.handle(signed)
      if (result.ok) return result.lastSequence
      if (result.error.code !== 'conflict') throw new Error(`the fixture's ${type} was refused: ${result.error.code}: ${result.error.message}`)
    }
  }
  const genesis = encodeRequest({ type: 'EstablishGenesis', payload: { params: defaultParams, treasuryKey: toHex(accountSigner(0).publicKey), treasury: tokens(1_000_000), allocations: keys.slice(1).map((account) => ({ account, amount: tokens(1_000) })) } }).payload
  let head = await submit('EstablishGenesis', genesis, signer)
  const inFlight = new Set<Promise<void>>()
  const limit = options.concurrency ?? 64
  const run = async (work: () => Promise<number>): Promise<void> => {
    const p = work().then((sequence) => {
      head = Math.max(head, sequence)
      inFlight.delete(p)
    })
    inFlight.add(p)
    if (inFlight.size >= limit) await Promise.race(inFlight)
  }
  // The genesis accounts register themselves before they send anything.
  for (const [i, s] of initial.entries()) await run(() => submit('RegisterIdentity', { displayName: `account ${i + 1}` }, s))
  await Promise.all(inFlight)
  let reported = 0
  for (const step of economySteps()) {
    if (head >= events) break
    if (step.kind === 'register') {
      const s = accountSigner(step.account)
      keys[step.account] = toHex(s.publicKey)
      await run(() => submit('RegisterIdentity', { displayName: `account ${step.account}` }, s))
    } else {
      const to = keys[step.to] as string
      await run(() => submit('TransferOpen', { to, amount: '1' }, initial[step.from - 1] as Signer))
    }
    if (head - reported >= 10_000) {
      reported = head
      options.onProgress?.(head)
    }
  }
  await Promise.all(inFlight)
  await store.close()
  renameSync(temp, dir)
  return { dir, key: readFileSync(keyFile, 'utf8').trim(), built: true }
}
