/**
 * promtool's metric lint (`promtool check metrics`), as a small checker over the text exposition
 * format. The rules and their messages are those of prometheus/client_golang's
 * prometheus/testutil/promlint/validations (commit c39535eb, Apache-2.0), which promtool runs:
 *   help_validations.go       every family has HELP text
 *   counter_validations.go    a counter ends in `_total`; nothing else does (untyped excepted)
 *   gauge_validations.go      only a gauge ends in `_timestamp_seconds`
 *   histogram_validations.go  `_bucket` only on histograms, `_count`/`_sum` only on histograms and
 *                             summaries; label `le` only on histograms, `quantile` only on summaries
 *   generic_name_validations.go + units.go
 *                             base units (seconds, bytes, …) rather than prefixed or other units
 *                             (milliseconds, kilobytes, minutes, bits, …); no type name in the name
 *                             (`_counter`, `_gauge`, `_histogram`, `_summary`); no `:`; snake_case
 *                             names and labels; no abbreviated units (`_ms`, `_s`, `_kb`, …)
 */
export interface Family {
  readonly name: string
  readonly type: string
  readonly help: string | undefined
  readonly labels: ReadonlySet<string>
}

export interface LintProblem {
  readonly metric: string
  readonly text: string
}

const UNITS: Readonly<Record<string, string>> = {
  amperes: 'amperes', bytes: 'bytes', celsius: 'celsius', grams: 'grams', joules: 'joules', kelvin: 'kelvin', meters: 'meters', metres: 'metres', seconds: 'seconds', volts: 'volts',
  minutes: 'seconds', hours: 'seconds', days: 'seconds', weeks: 'seconds', kelvins: 'kelvin', fahrenheit: 'celsius', rankine: 'celsius',
  inches: 'meters', yards: 'meters', miles: 'meters', bits: 'bytes', calories: 'joules', pounds: 'grams', ounces: 'grams',
}
const PREFIXES = ['pico', 'nano', 'micro', 'milli', 'centi', 'deci', 'deca', 'hecto', 'kilo', 'kibi', 'mega', 'mibi', 'giga', 'gibi', 'tera', 'tebi', 'peta', 'pebi']
const ABBREVIATIONS = ['s', 'ms', 'us', 'ns', 'sec', 'b', 'kb', 'mb', 'gb', 'tb', 'pb', 'm', 'h', 'd']
const TYPES = ['counter', 'gauge', 'summary', 'histogram', 'gaugehistogram']
const CAMEL = /[a-z][A-Z]/

/** Families from the text exposition format: names and types from TYPE lines, labels from samples. */
export function parseExposition(text: string): Family[] {
  const families = new Map<string, { name: string; type: string; help: string | undefined; labels: Set<string> }>()
  const family = (name: string) => {
    let f = families.get(name)
    if (f === undefined) families.set(name, (f = { name, type: 'untyped', help: undefined, labels: new Set() }))
    return f
  }
  for (const line of text.split('\n')) {
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line)
    if (meta !== null) {
      const f = family(meta[2] as string)
      if (meta[1] === 'HELP') f.help = meta[3]
      else f.type = meta[3] as string
      continue
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(line)
    if (sample === null) continue
    const name = sample[1] as string
    const owner = [...families.values()].find((f) => name === f.name || (['histogram', 'summary'].includes(f.type) && /^(.*)_(bucket|sum|count)$/.exec(name)?.[1] === f.name)) ?? family(name)
    for (const [, label] of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) {
      // A histogram's `le` and a summary's `quantile` belong to the type, not to the family's labels.
      if (!((owner.type === 'histogram' && label === 'le') || (owner.type === 'summary' && label === 'quantile'))) owner.labels.add(label as string)
    }
  }
  return [...families.values()]
}

function unitOf(name: string): { unit: string; base: string } | undefined {
  for (const part of name.split('_')) {
    const base = UNITS[part]
    if (base !== undefined) return { unit: part, base }
    for (const prefix of PREFIXES) {
      const rest = UNITS[part.slice(prefix.length)]
      if (part.startsWith(prefix) && rest !== undefined) return { unit: part, base: rest }
    }
  }
  return undefined
}

const hasPart = (name: string, part: string): boolean => name.includes(`_${part}_`) || name.endsWith(`_${part}`)

export function lintFamily(f: Family): LintProblem[] {
  const out: string[] = []
  const { name, type } = f
  const lower = name.toLowerCase()
  const untyped = type === 'untyped'
  if (f.help === undefined) out.push('no help text')
  if (type === 'counter' && !name.endsWith('_total')) out.push('counter metrics should have "_total" suffix')
  if (!untyped && type !== 'counter' && name.endsWith('_total')) out.push('non-counter metrics should not have "_total" suffix')
  if (!untyped && type !== 'gauge' && name.endsWith('_timestamp_seconds')) out.push('non-gauge metrics should not have "_timestamp_seconds" suffix')
  if (!untyped) {
    if (type !== 'histogram' && name.endsWith('_bucket')) out.push('non-histogram metrics should not have "_bucket" suffix')
    if (type !== 'histogram' && type !== 'summary' && name.endsWith('_count')) out.push('non-histogram and non-summary metrics should not have "_count" suffix')
    if (type !== 'histogram' && type !== 'summary' && name.endsWith('_sum')) out.push('non-histogram and non-summary metrics should not have "_sum" suffix')
    if (type !== 'histogram' && f.labels.has('le')) out.push('non-histogram metrics should not have "le" label')
    if (type !== 'summary' && f.labels.has('quantile')) out.push('non-summary metrics should not have "quantile" label')
  }
  const unit = unitOf(name)
  if (unit !== undefined && unit.unit !== unit.base) out.push(`use base unit "${unit.base}" instead of "${unit.unit}"`)
  for (const t of TYPES) if (hasPart(lower, t)) out.push(`metric name should not include type '${t}'`)
  if (name.includes(':')) out.push("metric names should not contain ':'")
  if (CAMEL.test(name)) out.push("metric names should be written in 'snake_case' not 'camelCase'")
  if ([...f.labels].some((label) => CAMEL.test(label))) out.push("label names should be written in 'snake_case' not 'camelCase'")
  for (const abbreviation of ABBREVIATIONS) if (hasPart(lower, abbreviation)) out.push('metric names should not contain abbreviated units')
  return out.map((text) => ({ metric: name, text }))
}

export const lintExposition = (text: string): LintProblem[] => parseExposition(text).flatMap(lintFamily)
