/**
 * The commitment a validator publishes before revealing: SHA-256 of the canonical JSON of
 * `{roundId, validator, scores, salt}`. The round and the validator's key are inside the hash, so a
 * commitment copied from someone else can never be revealed as one's own; the salt keeps a small
 * score space from being guessed by hashing every possibility.
 */
import { jsonHash } from '../economy/hash.js'

export function commitmentOf(roundId: string, validator: string, scores: readonly number[], salt: string): string {
  return jsonHash({ roundId, validator, scores: [...scores], salt })
}
