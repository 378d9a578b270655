/** A log for witness tests: real RFC 9162 trees, a real Ed25519 log key, signed checkpoints and honest proofs. */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { signCheckpoint, logVkey } from '../../../domain/tlog/checkpoint.js'
import { DenseTree } from '../../../domain/tlog/dense-tree.js'
import { leafHash } from '../../../domain/tlog/hash.js'
import { consistencyProof } from '../../../domain/tlog/proof.js'
import { formatAddCheckpoint } from '../../../domain/tlog/witness.js'
import { nativeCrypto } from '../../../infrastructure/crypto/native.js'
import { logsFromArgs } from '../../../infrastructure/witness/config.js'
import { openWitnessState, type WitnessState } from '../../../infrastructure/witness/state.js'
import { createWitness, type Witness } from '../../../infrastructure/witness/witness.js'
import { manualClock } from '../../../infrastructure/clock.js'

export const crypto = nativeCrypto
const enc = new TextEncoder()

export interface TestLog {
  readonly origin: string
  readonly vkey: string
  /** The tree of `history` (leaves `<history>-<i>`, the first `shared` from history `a`) at its full size. */
  tree(history?: string, shared?: number): DenseTree
  /** A checkpoint note of `history` at `size`, signed by the log. */
  checkpoint(size: number, history?: string, shared?: number): string
  proof(oldSize: number, size: number, history?: string, shared?: number): Uint8Array[]
  /** The add-checkpoint body from `oldSize` to `size`, with an honest proof. */
  body(oldSize: number, size: number, history?: string, shared?: number): string
}

export function testLog(origin = 'log.example/witnessed', seed = 0x21, capacity = 64): TestLog {
  const key = crypto.ed25519.signer(new Uint8Array(32).fill(seed))
  const trees = new Map<string, DenseTree>()
  const tree = (history = 'a', shared = 0): DenseTree => {
    const id = `${history}/${shared}`
    let t = trees.get(id)
    if (t === undefined) {
      t = new DenseTree(crypto.sha256)
      for (let i = 0; i < capacity; i++) t.append(leafHash(enc.encode(`${i < shared ? 'a' : history}-${i}`), crypto.sha256))
      trees.set(id, t)
    }
    return t
  }
  const checkpoint = (size: number, history = 'a', shared = 0) => signCheckpoint(origin, size, tree(history, shared).root(size), key, crypto)
  const proof = (oldSize: number, size: number, history = 'a', shared = 0) => consistencyProof(tree(history, shared), oldSize, size, crypto.sha256)
  return {
    origin,
    vkey: logVkey(origin, key.publicKey, crypto),
    tree,
    checkpoint,
    proof,
    body: (oldSize, size, history = 'a', shared = 0) => formatAddCheckpoint(oldSize, proof(oldSize, size, history, shared), checkpoint(size, history, shared)),
  }
}

export const witnessKey = crypto.ed25519.signer(new Uint8Array(32).fill(0x57))
export const WITNESS_NAME = 'witness.example/test'

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ml-witness-'))
}

export function witnessOn(state: WitnessState, logs: readonly TestLog[], clock = manualClock(Date.UTC(2026, 0, 2))): Witness {
  return createWitness({
    name: WITNESS_NAME,
    signer: witnessKey,
    logs: logsFromArgs(logs.map((log) => `${log.origin}=${log.vkey}`), crypto),
    state,
    crypto,
    clock,
  })
}

export function openState(dir: string): WitnessState {
  return openWitnessState(join(dir, 'witness.db'))
}
