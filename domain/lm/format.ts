/**
 * The LM checkpoint format `model-ledger/torch-lm@1` (the shared contract with the trainer's LM
 * worker, specified in docs/lm-format.md): `model.json` names the
 * shape and a table of tensors, `weights.bin` holds them as row-major float32 little-endian.
 * Parsing checks every name, shape, offset and length against the config, so a reader never
 * indexes outside a tensor; the tensors are views over the bytes (copied only when unaligned or on
 * a big-endian host).
 */
export const LM_FORMAT = 'model-ledger/torch-lm@1'
/** Byte-level vocabulary: ids 0..255 are bytes, 256 is END. */
export const VOCAB = 257
export const END = 256

export class LmFormatError extends Error {
  override readonly name = 'LmFormatError'
}

export interface LmConfig {
  readonly vocab: number
  readonly context: number
  readonly dModel: number
  readonly layers: number
  readonly heads: number
  readonly mlp: number
  readonly layerNormEps: number
}

export interface TensorEntry {
  readonly name: string
  readonly shape: readonly number[]
  readonly offset: number
  readonly length: number
}

export interface LayerWeights {
  readonly ln1w: Float32Array
  readonly ln1b: Float32Array
  readonly attnW: Float32Array
  readonly attnB: Float32Array
  readonly projW: Float32Array
  readonly projB: Float32Array
  readonly ln2w: Float32Array
  readonly ln2b: Float32Array
  readonly fcW: Float32Array
  readonly fcB: Float32Array
  readonly fc2W: Float32Array
  readonly fc2B: Float32Array
}

export interface LmWeights {
  readonly config: LmConfig
  readonly wte: Float32Array
  readonly wpe: Float32Array
  readonly layers: readonly LayerWeights[]
  readonly lnfw: Float32Array
  readonly lnfb: Float32Array
}

const MAX_DIM = 1 << 16

function positiveInt(v: unknown, what: string, max = MAX_DIM): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > max) throw new LmFormatError(`model.json: ${what} must be an integer in 1..${max} (got ${JSON.stringify(v)})`)
  return v
}

/** Every tensor the config requires, with its shape, in the order the spec lists them. */
export function expectedTensors(c: LmConfig): { name: string; shape: number[] }[] {
  const D = c.dModel
  const out: { name: string; shape: number[] }[] = [
    { name: 'wte', shape: [c.vocab, D] },
    { name: 'wpe', shape: [c.context, D] },
  ]
  for (let i = 0; i < c.layers; i++) {
    const p = `h.${i}.`
    out.push(
      { name: `${p}ln1.weight`, shape: [D] },
      { name: `${p}ln1.bias`, shape: [D] },
      { name: `${p}attn.weight`, shape: [3 * D, D] },
      { name: `${p}attn.bias`, shape: [3 * D] },
      { name: `${p}proj.weight`, shape: [D, D] },
      { name: `${p}proj.bias`, shape: [D] },
      { name: `${p}ln2.weight`, shape: [D] },
      { name: `${p}ln2.bias`, shape: [D] },
      { name: `${p}fc.weight`, shape: [c.mlp, D] },
      { name: `${p}fc.bias`, shape: [c.mlp] },
      { name: `${p}fc2.weight`, shape: [D, c.mlp] },
      { name: `${p}fc2.bias`, shape: [D] },
    )
  }
  out.push({ name: 'lnf.weight', shape: [D] }, { name: 'lnf.bias', shape: [D] })
  return out
}

/** The config and tensor table of a parsed `model.json`, checked against a weights file of `weightsBytes` bytes. */
export function parseModelJson(json: unknown, weightsBytes: number): { config: LmConfig; tensors: TensorEntry[] } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new LmFormatError('model.json: not a JSON object')
  const m = json as Record<string, unknown>
  if (m.format !== LM_FORMAT) throw new LmFormatError(`model.json: format must be ${JSON.stringify(LM_FORMAT)} (got ${JSON.stringify(m.format)})`)
  const vocab = positiveInt(m.vocab, 'vocab')
  if (vocab !== VOCAB) throw new LmFormatError(`model.json: vocab must be ${VOCAB} (256 bytes and END)`)
  const dModel = positiveInt(m.dModel, 'dModel')
  const heads = positiveInt(m.heads, 'heads')
  if (dModel % heads !== 0) throw new LmFormatError(`model.json: dModel ${dModel} is not a multiple of heads ${heads}`)
  const config: LmConfig = {
    vocab,
    context: positiveInt(m.context, 'context'),
    dModel,
    layers: positiveInt(m.layers, 'layers', 256),
    heads,
    mlp: positiveInt(m.mlp, 'mlp', 4 * MAX_DIM),
    layerNormEps: typeof m.layerNormEps === 'number' && m.layerNormEps > 0 && m.layerNormEps < 1 ? m.layerNormEps : NaN,
  }
  if (Number.isNaN(config.layerNormEps)) throw new LmFormatError('model.json: layerNormEps must be a number in (0, 1)')
  if (!Array.isArray(m.tensors)) throw new LmFormatError('model.json: tensors must be an array')
  const expected = expectedTensors(config)
  if (m.tensors.length !== expected.length) throw new LmFormatError(`model.json: ${expected.length} tensors expected for this config, ${m.tensors.length} listed`)
  const tensors: TensorEntry[] = []
  let end = 0
  expected.forEach((want, i) => {
    const e = (m.tensors as unknown[])[i] as Record<string, unknown> | null
    if (typeof e !== 'object' || e === null) throw new LmFormatError(`model.json: tensors[${i}] is not an object`)
    if (e.name !== want.name) throw new LmFormatError(`model.json: tensors[${i}] must be ${want.name} (got ${JSON.stringify(e.name)})`)
    const shape = e.shape
    if (!Array.isArray(shape) || shape.length !== want.shape.length || shape.some((s, j) => s !== want.shape[j])) {
      throw new LmFormatError(`model.json: ${want.name} must have shape [${want.shape.join(', ')}] (got ${JSON.stringify(shape)})`)
    }
    const offset = e.offset
    const length = e.length
    const bytes = 4 * want.shape.reduce((a, b) => a * b, 1)
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < end || offset % 4 !== 0) throw new LmFormatError(`model.json: ${want.name} offset must be a multiple of 4 at or after the previous tensor's end (${end})`)
    if (length !== bytes) throw new LmFormatError(`model.json: ${want.name} length must be ${bytes} bytes (got ${JSON.stringify(length)})`)
    if (offset + bytes > weightsBytes) throw new LmFormatError(`weights.bin: ${want.name} ends at byte ${offset + bytes}, the file has ${weightsBytes}`)
    end = offset + bytes
    tensors.push({ name: want.name, shape: want.shape, offset, length: bytes })
  })
  return { config, tensors }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

function view(bytes: Uint8Array, t: TensorEntry): Float32Array {
  const start = bytes.byteOffset + t.offset
  if (LITTLE_ENDIAN && start % 4 === 0) return new Float32Array(bytes.buffer, start, t.length / 4)
  const out = new Float32Array(t.length / 4)
  const dv = new DataView(bytes.buffer, start, t.length)
  for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(4 * i, true)
  return out
}

/** The weights of a checkpoint from its two files' contents. */
export function loadLm(modelJson: unknown, weights: Uint8Array): LmWeights {
  const { config, tensors } = parseModelJson(modelJson, weights.byteLength)
  const by = new Map(tensors.map((t) => [t.name, view(weights, t)]))
  const get = (name: string): Float32Array => by.get(name) as Float32Array
  const layers: LayerWeights[] = []
  for (let i = 0; i < config.layers; i++) {
    const p = `h.${i}.`
    layers.push({
      ln1w: get(`${p}ln1.weight`),
      ln1b: get(`${p}ln1.bias`),
      attnW: get(`${p}attn.weight`),
      attnB: get(`${p}attn.bias`),
      projW: get(`${p}proj.weight`),
      projB: get(`${p}proj.bias`),
      ln2w: get(`${p}ln2.weight`),
      ln2b: get(`${p}ln2.bias`),
      fcW: get(`${p}fc.weight`),
      fcB: get(`${p}fc.bias`),
      fc2W: get(`${p}fc2.weight`),
      fc2B: get(`${p}fc2.bias`),
    })
  }
  return { config, wte: get('wte'), wpe: get('wpe'), layers, lnfw: get('lnf.weight'), lnfb: get('lnf.bias') }
}

/** Writes a checkpoint in the format: the inverse of loadLm (tests, benches, tools). Tensors packed in order from offset 0. */
export function encodeLm(config: LmConfig, tensors: ReadonlyMap<string, Float32Array>, extra: Record<string, unknown> = {}): { modelJson: string; weights: Uint8Array } {
  const table: TensorEntry[] = []
  let offset = 0
  for (const { name, shape } of expectedTensors(config)) {
    const length = 4 * shape.reduce((a, b) => a * b, 1)
    const data = tensors.get(name)
    if (data === undefined || data.length * 4 !== length) throw new LmFormatError(`tensor ${name} missing or of the wrong size`)
    table.push({ name, shape, offset, length })
    offset += length
  }
  const weights = new Uint8Array(offset)
  const dv = new DataView(weights.buffer)
  for (const t of table) {
    const data = tensors.get(t.name) as Float32Array
    for (let i = 0; i < data.length; i++) dv.setFloat32(t.offset + 4 * i, data[i] as number, true)
  }
  const modelJson = JSON.stringify({ ...extra, format: LM_FORMAT, ...config, tensors: table })
  return { modelJson, weights }
}

/**
 * The weights of a checkpoint from its files by path (already verified against its root):
 * `model.json` parsed as JSON and `weights.bin`. Refused with LmFormatError when either is missing
 * or not of this format.
 */
export function loadLmFiles(files: ReadonlyMap<string, Uint8Array>): LmWeights {
  const json = files.get('model.json')
  const weights = files.get('weights.bin')
  if (json === undefined || weights === undefined) throw new LmFormatError(`a ${LM_FORMAT} checkpoint has model.json and weights.bin (this one has ${[...files.keys()].sort().join(', ') || 'no files'})`)
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json))
  } catch {
    throw new LmFormatError('model.json: not UTF-8 JSON')
  }
  return loadLm(parsed, weights)
}
