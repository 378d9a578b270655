/**
 * Runs the ledger core benchmarks and prints their figures with the raw baselines measured in the
 * same run. `npm run bench` (all), or `npm run bench -- append|verify [--events N]`.
 * Results are also written to .bench/results.json; docs/performance.md quotes them.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus } from 'node:os'
import { benchAppend } from './append.js'
import { say } from './stats.js'
import { benchVerify } from './verify.js'

const args = process.argv.slice(2)
const only = args.find((arg) => !arg.startsWith('--'))
const eventsFlag = args.indexOf('--events')
const events = eventsFlag >= 0 ? Number(args[eventsFlag + 1]) : 1_000_000

say(`model-ledger benchmarks on ${cpus()[0]?.model ?? 'unknown cpu'}, ${availableParallelism()} cores, Node ${process.version}`)
const results: Record<string, unknown> = { node: process.version, cores: availableParallelism(), at: new Date().toISOString() }
if (only === undefined || only === 'append') results.append = await benchAppend()
if (only === undefined || only === 'verify') {
  results.verify = await benchVerify({ events, commandEvery: 0 })
  results.verifyWithCommands = await benchVerify({ events: Math.min(events, 200_000), commandEvery: 4 })
}
mkdirSync('.bench', { recursive: true })
writeFileSync('.bench/results.json', `${JSON.stringify(results, null, 2)}\n`)
