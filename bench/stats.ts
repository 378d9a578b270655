/** Helpers the benchmarks share: medians over repeated runs, and plain printing. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** Runs `fn` `runs` times and returns the median of the rates it reports. */
export async function medianRate(runs: number, fn: () => Promise<number> | number): Promise<{ median: number; runs: number[] }> {
  const rates: number[] = []
  for (let i = 0; i < runs; i++) rates.push(await fn())
  return { median: median(rates), runs: rates }
}

export function perSecond(count: number, startedMs: number): number {
  return count / ((performance.now() - startedMs) / 1000)
}

/** A numeric `--name N` argument, or the fallback. */
export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}

export function fmt(value: number): string {
  return Math.round(value).toLocaleString('en-US')
}

export function say(line: string): void {
  process.stdout.write(`${line}\n`)
}
