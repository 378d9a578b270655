/**
 * Crash tests' common part: run a fixture as a child process, hand each line it prints to the
 * test (which decides when to SIGKILL it), and settle once it died of that signal. A child that
 * exits on its own fails the test: it was supposed to be killed mid-work.
 */
import { spawn, type ChildProcess } from 'node:child_process'

export function runUntilKilled(fixture: string, args: readonly string[], onLine: (line: string, child: ChildProcess) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let buffered = ''
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) onLine(line, child)
    })
    child.on('error', reject)
    child.on('exit', (_code, signal) => {
      if (signal === 'SIGKILL') resolve()
      else reject(new Error(`the fixture exited on its own: ${stderr}`))
    })
  })
}
