/**
 * The held-out split and the encoding of examples. Membership depends only on the contribution
 * id, so removing other examples never moves an example between train and eval (the attribution
 * check relies on that).
 */
import type { Example } from '../../dataset.js'
import { featurize } from './features.js'
import type { Encoded } from './model.js'

export interface Prepared {
  readonly classes: readonly string[]
  readonly train: readonly (Encoded & { readonly id: string })[]
  readonly eval: readonly (Encoded & { readonly id: string })[]
}

const isHeldOut = (id: string, every: number): boolean => parseInt(id.slice(0, 8), 16) % every === 0

export function prepare(examples: readonly Example[], dims: number, holdOutEvery: number): Prepared {
  const classes = [...new Set(examples.map((e) => e.label))].sort()
  const encoded = examples.map((e) => ({ id: e.contributionId, x: featurize(e.text, dims), y: classes.indexOf(e.label) }))
  let held = encoded.filter((e) => isHeldOut(e.id, holdOutEvery))
  let train = encoded.filter((e) => !isHeldOut(e.id, holdOutEvery))
  // A tiny version may hash nothing (or everything) into the held-out set; keep both sides non-empty.
  if (held.length === 0 && train.length > 1) [held, train] = [train.slice(-1), train.slice(0, -1)]
  if (train.length === 0 && held.length > 1) [train, held] = [held.slice(0, -1), held.slice(-1)]
  return { classes, train, eval: held }
}
