/** Verifies one bundle in its own process, so its peak RSS is the verifier's alone. */
import { bundleFileLines } from '../infrastructure/bundle/lines.js'
import { verifyLines } from '../infrastructure/verify/verifier.js'

const [path, key, workers] = process.argv.slice(2)
if (path === undefined || key === undefined) throw new Error('usage: verify-child BUNDLE KEY [WORKERS]')
const started = performance.now()
const report = await verifyLines(bundleFileLines(path), { trustedKey: key, ...(workers === undefined ? {} : { workers: Number(workers) }) })
const seconds = (performance.now() - started) / 1000
process.stdout.write(
  `${JSON.stringify({ ok: report.ok, failure: report.failure, events: report.summary?.events ?? 0, commands: report.summary?.commands ?? 0, seconds, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
)
