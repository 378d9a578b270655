/**
 * The reference model on disk: `weights.f64` (little-endian float64, row-major classes ×
 * features) and `model.json` (classes, sizes, epoch). Fixed byte order and key order make the
 * files, and so their hashes, the same on every machine for the same weights.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Model } from './model.js'

export async function saveModel(model: Model, epoch: number, dir: string): Promise<void> {
  const temp = `${dir}.partial`
  await rm(temp, { recursive: true, force: true })
  await mkdir(temp, { recursive: true })
  const bytes = Buffer.alloc(model.weights.length * 8)
  model.weights.forEach((w, i) => bytes.writeDoubleLE(w, i * 8))
  await writeFile(join(temp, 'weights.f64'), bytes)
  await writeFile(join(temp, 'model.json'), `${JSON.stringify({ format: 'model-ledger/reference-softmax@1', classes: model.classes, features: model.features, epoch })}\n`)
  // A half-written checkpoint never carries the final name: a kill leaves only `.partial`.
  await rm(dir, { recursive: true, force: true })
  await rename(temp, dir)
}

export async function loadModel(dir: string): Promise<{ model: Model; epoch: number }> {
  const meta = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as { classes: string[]; features: number; epoch: number }
  const bytes = await readFile(join(dir, 'weights.f64'))
  const weights = new Float64Array(bytes.byteLength / 8)
  for (let i = 0; i < weights.length; i++) weights[i] = bytes.readDoubleLE(i * 8)
  return { model: { classes: meta.classes, features: meta.features, weights }, epoch: meta.epoch }
}
