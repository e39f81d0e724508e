// A throwaway `redis-server` on 127.0.0.1 for the tests: its own free port and directory
// (append-only file on, so a restart keeps the entries), stopped by `stop()` and when the
// test process exits. Without `redis-server`, `redisServer(t)` skips the test saying why
// (and `startRedis()` gives null), except under CI=true, where they fail.
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const running = new Set()
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })
}

/** One command over RESP; the first line of the answer. */
export function command(port, words) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    let answer = ''
    socket.on('connect', () => {
      socket.write(`*${words.length}\r\n` + words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join(''))
    })
    socket.on('data', (data) => {
      answer += data
      if (answer.includes('\r\n')) {
        socket.destroy()
        resolve(answer.split('\r\n')[0])
      }
    })
    socket.on('error', reject)
  })
}

const MISSING = "redis-server is not installed (scripts/setup installs Debian's redis-server)"

/** A server for the test `t` (stopped after it), or null with `t` skipped when there is none. */
export async function redisServer(t) {
  const server = await startRedis()
  if (!server) {
    t.skip(MISSING)
    return null
  }
  t.after(() => server.remove())
  return server
}

/**
 * A server (for a whole test file with `unref`: stopped when the process exits), or null,
 * saying why on stderr, when redis-server is not installed; under CI=true that throws.
 */
export async function startRedis({ unref = false } = {}) {
  if (spawnSync('redis-server', ['--version']).error) {
    assert.notEqual(process.env.CI, 'true', `${MISSING}; under CI=true the Redis tests must run`)
    process.stderr.write(`${MISSING}\n`)
    return null
  }
  const dir = mkdtempSync(join(tmpdir(), 'wardgate-redis-'))
  const port = await freePort()
  let child = null
  const server = {
    port,
    url: (db = 0) => `redis://127.0.0.1:${port}/${db}`,
    command: (...words) => command(port, words),
    async start() {
      child = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'yes',
        '--appendfsync', 'always', '--protected-mode', 'no', '--dir', dir, '--logfile', 'server.log'], { stdio: 'ignore' })
      running.add(child)
      // A server for a whole file never keeps the test process alive: the exit handler above
      // stops it.
      if (unref) child.unref()
      const deadline = Date.now() + 10_000
      for (;;) {
        try {
          if ((await command(port, ['PING'])) === '+PONG') return
        } catch {}
        assert.ok(Date.now() < deadline, `redis-server did not answer on 127.0.0.1:${port} within 10 s (see ${dir}/server.log)`)
        assert.equal(child.exitCode, null, `redis-server exited (see ${dir}/server.log)`)
        await new Promise((r) => setTimeout(r, 20))
      }
    },
    async stop() {
      if (!child) return
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        // Waited for, so held while stopping (unreferenced, its exit could come after the
        // event loop has emptied, leaving the test pending).
        child.ref()
        child.kill('SIGKILL')
        await exited
      }
      running.delete(child)
      child = null
    },
  }
  server.remove = async () => {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  await server.start()
  return server
}
