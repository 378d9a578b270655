/** The C2SP and Go sumdb examples in shared/vectors/c2sp/examples.json, typed. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { vectorsDir } from '../../support/vectors.js'

export interface C2spExamples {
  readonly 'signed-note': { readonly vkey: string; readonly note: string }
  readonly 'go-sumdb-note': { readonly skey: string; readonly vkey: string; readonly text: string; readonly signatureLine: string }
  readonly 'go-sumdb-tlog': { readonly leafInput: string; readonly leafHashBase64: string; readonly tilePath: Readonly<Record<string, string>> }
  readonly 'tlog-tiles': { readonly tilePath: Readonly<Record<string, string>> }
  readonly 'tlog-cosignature': { readonly checkpoint: string; readonly witnessTimestamp: number }
}

export const examples = JSON.parse(readFileSync(join(vectorsDir(), 'c2sp', 'examples.json'), 'utf8')) as C2spExamples

/** A Go note signer key `PRIVATE+KEY+<name>+<hex key ID>+base64(0x01 ‖ seed)`: its name and Ed25519 seed. */
export function goSignerKey(skey: string): { name: string; seed: Uint8Array } {
  // The base64 part may hold plus signs of its own.
  const [private_, key, name, , ...encoded] = skey.split('+')
  if (private_ !== 'PRIVATE' || key !== 'KEY' || name === undefined || encoded.length === 0) throw new Error('not a Go note signer key')
  const bytes = new Uint8Array(Buffer.from(encoded.join('+'), 'base64'))
  if (bytes[0] !== 1 || bytes.length !== 33) throw new Error('not an Ed25519 signer key')
  return { name, seed: bytes.subarray(1) }
}
