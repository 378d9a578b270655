/** The reference executor's hyperparameters, with defaults for those a request leaves out. */
import type { Hyperparameters } from '../../../domain/training/values.js'
import { DEFAULT_DIMS } from './features.js'

export interface ReferenceParams {
  readonly epochs: number
  readonly lr: number
  readonly checkpointEvery: number
  readonly dims: number
  readonly holdOutEvery: number
  /** A pause after each epoch, in ms: lets a demo or a test watch (or kill) a run in the middle. */
  readonly pauseMs: number
}

function int(h: Hyperparameters, name: string, fallback: number, min: number): number {
  const v = h[name]
  return typeof v === 'number' && Number.isInteger(v) && v >= min ? v : fallback
}

export function referenceParams(h: Hyperparameters): ReferenceParams {
  const epochs = int(h, 'epochs', 20, 1)
  const lr = typeof h.lr === 'number' && h.lr > 0 ? h.lr : 0.5
  return {
    epochs,
    lr,
    checkpointEvery: int(h, 'checkpointEvery', Math.max(1, Math.floor(epochs / 4)), 1),
    dims: int(h, 'dims', DEFAULT_DIMS, 8),
    holdOutEvery: int(h, 'holdOutEvery', 5, 2),
    pauseMs: int(h, 'pauseMs', 0, 0),
  }
}
