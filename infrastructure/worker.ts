/**
 * Starting a worker thread from a module next to the caller. Built, the module is plain
 * JavaScript. Run from source (tests, tsx), it is TypeScript: a small bootstrap registers tsx's
 * loader inside the worker first, since Node 20 workers ignore --import.
 *
 * A worker inherits the process's command-line flags, but Node refuses V8 options in a worker's
 * flags (`--max-old-space-size`, `--max-semi-space-size`, `--stack-size`: ERR_WORKER_INVALID_EXEC_ARGV),
 * although they are the first thing an operator sets. Those options are process-wide, so a worker
 * runs under them anyway: the flags Node refuses are dropped, once per process, and the rest kept.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker, type ResourceLimits, type WorkerOptions } from 'node:worker_threads'

/** The file URL of tsx's ESM API, read from tsx's own package exports. */
function tsxEsmApi(): string {
  const manifestPath = createRequire(import.meta.url).resolve('tsx/package.json')
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> }
  const target = manifest.exports['./esm/api']?.import.default
  if (target === undefined) throw new Error('tsx does not export ./esm/api')
  return pathToFileURL(join(dirname(manifestPath), target)).href
}

/** The flags a worker is started with: the process's, less those a worker refuses (found on the first refusal). */
let workerFlags: readonly string[] | undefined

function inheritedFlags(): readonly string[] {
  // --input-type (a parent started with -e) is refused for a worker's file.
  return process.execArgv.filter((flag, i, all) => !flag.startsWith('--input-type') && all[i - 1] !== '--input-type')
}

function refusedFlags(error: unknown): ReadonlySet<string> | undefined {
  if (!(error instanceof Error) || (error as NodeJS.ErrnoException).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') return undefined
  const listed = error.message.slice(error.message.indexOf(':') + 1)
  return new Set(listed.split(',').map((flag) => flag.trim()).filter((flag) => flag !== ''))
}

function startWorker(target: URL | string, options: WorkerOptions): Worker {
  try {
    return new Worker(target, { ...options, execArgv: [...(workerFlags ?? inheritedFlags())] })
  } catch (error) {
    const refused = refusedFlags(error)
    if (refused === undefined || workerFlags !== undefined) throw error
    workerFlags = inheritedFlags().filter((flag) => !refused.has(flag))
    try {
      return new Worker(target, { ...options, execArgv: [...workerFlags] })
    } catch (again) {
      if (refusedFlags(again) === undefined) throw again
      // The refusal named flags in a form not matched above: start workers with none of the process's flags.
      workerFlags = []
      return new Worker(target, { ...options, execArgv: [] })
    }
  }
}

/** `name` without extension, resolved against `callerUrl` (the caller's import.meta.url). */
export function spawnSibling(callerUrl: string, name: string, workerData: unknown, resourceLimits?: ResourceLimits): Worker {
  const options: WorkerOptions = { workerData, ...(resourceLimits === undefined ? {} : { resourceLimits }) }
  if (!callerUrl.endsWith('.ts')) return startWorker(new URL(`./${name}.js`, callerUrl), options)
  const api = JSON.stringify(tsxEsmApi())
  const entry = JSON.stringify(new URL(`./${name}.ts`, callerUrl).href)
  const bootstrap = `import(${api}).then((tsx) => { tsx.register(); return import(${entry}) })`
  return startWorker(bootstrap, { eval: true, ...options })
}
