/** Runs a load in a child process (bench/load-child.ts) and waits for its figures. */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { LoadRequest, LoadResult } from './load-child.js'

export type { LoadRequest, LoadResult }

export function runLoad(request: LoadRequest): Promise<LoadResult> {
  const child = fork(fileURLToPath(new URL('./load-child.js', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  return new Promise((resolve, reject) => {
    let answered = false
    child.once('message', (result: LoadResult) => {
      answered = true
      resolve(result)
    })
    child.once('error', reject)
    child.once('exit', (code) => {
      if (!answered) reject(new Error(`the load generator exited with ${String(code)} before answering`))
    })
    child.send(request)
  })
}
