// The todo stack on 127.0.0.1: Better Auth in a Next.js server (next start), the FastAPI
// todo API (uvicorn) and a Redis server (redis-server) for revocations, one policy
// (policy.json) for the proxy, the Node routes and FastAPI. `node stack.mjs` is the demo: it starts both, signs up the demo users, prints
// what to try, and stops both on Ctrl-C. `startStack()` is what the end-to-end test uses.
//
// It expects what ./run prepares: node_modules with the packed `wardgate` package, a
// `next build`, and the repository's .venv with the Python package and uvicorn.
import { spawn } from 'node:child_process'
import { connect } from 'node:net'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const repo = resolve(here, '../..')
const fastapiApp = join(repo, 'examples/fastapi-todo')
const python = join(repo, '.venv/bin/python')

/** The address of the web server; the policy's issuer, audience and jwks_url name it. */
export const WEB_URL = 'http://127.0.0.1:3000'
/** The address of the FastAPI todo API. */
export const API_URL = 'http://127.0.0.1:8000'
/** The Redis server of the revocations: policy.json's revocation.redis_url names it. */
export const REDIS_PORT = 6390

/** The demo users: the two without a role sign up over HTTP; the admin is created with its role. */
export const DEMO_USERS = [
  { email: 'alice@example.com', password: 'alice-demo-password', name: 'Alice' },
  { email: 'bob@example.com', password: 'bob-demo-password', name: 'Bob' },
  { email: 'admin@example.com', password: 'admin-demo-password', name: 'Admin', role: 'admin' },
]

/** A secret kept in the data folder, made once. */
function secret(data) {
  const file = join(data, 'secret')
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 })
  return readFileSync(file, 'utf8').trim()
}

/** Better Auth's environment: the stack's defaults under what the caller gives. */
function authEnv(data, env) {
  return {
    BETTER_AUTH_URL: WEB_URL,
    BETTER_AUTH_SECRET: secret(data),
    DATABASE_URL: env.DATABASE_URL ?? join(data, 'auth.db'),
    WARDGATE_POLICY: join(here, 'policy.json'),
    ...pick(env, ['JWT_EXPIRATION', 'JWKS_ROTATION_INTERVAL', 'JWKS_GRACE_PERIOD']),
  }
}

function pick(env, names) {
  return Object.fromEntries(names.filter((n) => env[n] !== undefined).map((n) => [n, env[n]]))
}

/** Creates or updates Better Auth's tables, and the users given (server side, no HTTP). */
async function prepareAuth(environment, users) {
  const { authOptions } = await import('./auth.config.mjs')
  const { getMigrations } = await import('better-auth/db/migration')
  const { betterAuth } = await import('better-auth')
  const options = await authOptions(environment)
  const { runMigrations } = await getMigrations(options)
  await runMigrations()
  const auth = betterAuth(options)
  for (const { email, password, name, role } of users) {
    try {
      await auth.api.createUser({ body: { email, password, name, role: role ?? 'user' } })
    } catch (error) {
      if (!/exist/i.test(String(error?.message ?? error))) throw error
    }
  }
  await close(options.database)
}

async function close(database) {
  if (typeof database?.end === 'function') await database.end()
  else if (typeof database?.close === 'function') database.close()
}

/**
 * Starts Better Auth/Next.js and FastAPI. `env` may set JWT_EXPIRATION,
 * JWKS_ROTATION_INTERVAL, JWKS_GRACE_PERIOD, DATABASE_URL (Better Auth's database) and
 * TODOS_DATABASE_URL (FastAPI's). `data` is the folder for the SQLite files and the secret.
 * `users` are created before the servers start. Resolves once both answer; `stop()` ends
 * every process it started.
 */
export async function startStack({ env = {}, data = join(here, '.data'), users = [], quiet = false } = {}) {
  for (const url of [WEB_URL, API_URL, `redis://127.0.0.1:${REDIS_PORT}`]) {
    if (await listening(new URL(url))) throw new Error(`${url} is already in use: stop what listens there first`)
  }
  mkdirSync(data, { recursive: true })
  const environment = authEnv(data, env)
  const processes = []
  const stop = () => Promise.all(processes.map(stopProcess))
  // Redis first: Better Auth's wardgate plugin and every engine of the policy mirror it.
  const redis = redisServer(join(data, 'redis'), quiet)
  try {
    processes.push(await redis.start())
    await prepareAuth(environment, users)
    processes.push(
      start('next', process.execPath, [join(here, 'node_modules/next/dist/bin/next'), 'start', '-H', '127.0.0.1', '-p', '3000'], {
        cwd: here,
        env: { ...process.env, ...environment, NEXT_TELEMETRY_DISABLED: '1' },
        quiet,
      }),
    )
    const todos = env.TODOS_DATABASE_URL ?? `sqlite:///${join(data, 'todos.db')}`
    processes.push(
      start('fastapi', python, ['-m', 'uvicorn', 'app.main:app', '--host', '127.0.0.1', '--port', '8000'], {
        cwd: fastapiApp,
        env: { ...process.env, WARDGATE_POLICY: join(here, 'policy.json'), DATABASE_URL: todos },
        quiet,
      }),
    )
    await Promise.all([ready(`${WEB_URL}/api/auth/ok`, processes[1]), ready(`${API_URL}/openapi.json`, processes[2])])
  } catch (error) {
    await stop()
    throw error
  }
  return {
    stop: async () => {
      await stop()
      await redis.stop()
    },
    processes,
    redis,
  }
}

/**
 * The stack's redis-server on 127.0.0.1:REDIS_PORT with its data in `dir` (append-only, so
 * a restart keeps the revocations). `stop()` and `start()` again are what a Redis outage
 * looks like to the stack.
 */
function redisServer(dir, quiet) {
  let child = null
  return {
    async start() {
      mkdirSync(dir, { recursive: true })
      const args = ['--bind', '127.0.0.1', '--port', String(REDIS_PORT), '--dir', dir, '--save', '',
        '--appendonly', 'yes', '--protected-mode', 'no']
      child = start('redis', 'redis-server', args, { cwd: dir, env: process.env, quiet })
      const failed = await child.spawned
      if (failed?.code === 'ENOENT') {
        throw new Error("redis-server is not installed: the stack's revocations need it (scripts/setup installs Debian's redis-server)")
      }
      if (failed) throw new Error(`redis-server could not be started: ${failed.message}`)
      await ready(`redis://127.0.0.1:${REDIS_PORT}`, child, 10_000)
      return child
    },
    async stop() {
      if (child) await stopProcess(child)
      child = null
    },
  }
}

/** Whether something accepts connections at `url`'s host and port. */
function listening(url) {
  return new Promise((done) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) })
    socket.once('connect', () => {
      socket.destroy()
      done(true)
    })
    socket.once('error', () => done(false))
  })
}

function start(name, command, args, { cwd, env, quiet }) {
  // Its own process group, so that stopping it also stops what it started.
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  child.label = name
  child.output = ''
  const keep = (chunk) => {
    child.output = (child.output + chunk).slice(-20_000)
    if (!quiet) for (const line of String(chunk).split('\n').filter(Boolean)) console.log(`[${name}] ${line}`)
  }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  child.exited = new Promise((done) => {
    child.on('exit', (code, signal) => done({ code, signal }))
    child.on('error', (error) => done({ error })) // could not be run at all
  })
  // null once running, or the error when the program cannot be run (not installed).
  child.spawned = new Promise((done) => {
    child.once('spawn', () => done(null))
    child.once('error', done)
  })
  running.add(child)
  child.exited.then(() => running.delete(child))
  return child
}

/** Processes still running, killed if this process exits without stopping them. */
const running = new Set()
process.on('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL')
})

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal)
  } catch {
    // Already gone.
  }
}

async function stopProcess(child) {
  if (!running.has(child)) return
  killGroup(child, 'SIGTERM')
  const late = setTimeout(() => killGroup(child, 'SIGKILL'), 5000)
  await child.exited
  clearTimeout(late)
}

async function ready(url, child, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (!running.has(child)) throw new Error(`${child.label} exited before it was ready:\n${child.output}`)
    if (url.startsWith('redis:')) {
      if (await listening(new URL(url))) return
      await new Promise((r) => setTimeout(r, 50))
      continue
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) })
      if (response.ok) return
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`${child.label} did not answer ${url} within ${timeoutMs / 1000} s:\n${child.output}`)
}

/**
 * A browser-like client of Better Auth: keeps the session cookie. `address`, when given, is
 * sent as `x-forwarded-for`, as a proxy in front of the app would, so that Better Auth's
 * rate limits (on in production, per address) count this client apart from the others.
 */
export class AuthClient {
  #cookies = new Map()
  #address

  constructor(address) {
    this.#address = address
  }

  async post(path, body) {
    return this.request(path, { method: 'POST', body: JSON.stringify(body ?? {}) })
  }

  async request(path, { method = 'GET', body, headers = {} } = {}) {
    const response = await fetch(`${WEB_URL}${path}`, {
      method,
      body,
      redirect: 'manual',
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        origin: WEB_URL,
        ...(this.#address ? { 'x-forwarded-for': this.#address } : {}),
        cookie: [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...headers,
      },
    })
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const [name, ...value] = pair.split('=')
      this.#cookies.set(name.trim(), value.join('='))
    }
    return response
  }

  cookie(name) {
    return this.#cookies.get(name)
  }

  async signUp({ email, password, name }) {
    return expectOk(await this.post('/api/auth/sign-up/email', { email, password, name }), 'sign-up')
  }

  async signIn({ email, password }) {
    return expectOk(await this.post('/api/auth/sign-in/email', { email, password }), 'sign-in')
  }

  /** A fresh JWT for this session, from the jwt plugin. */
  async token() {
    return (await expectOk(await this.request('/api/auth/token'), 'token')).token
  }
}

async function expectOk(response, what) {
  const body = await response.json().catch(() => ({}))
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${JSON.stringify(body)}`)
  return body
}

async function demo() {
  console.log('Starting Better Auth/Next.js on', WEB_URL, 'and FastAPI on', API_URL, '...')
  const data = process.env.STACK_DATA ?? join(here, '.data')
  // The admin is created with its role before the servers start; the others sign up
  // through Better Auth's HTTP API, as users do (or sign in, on a second run).
  const stack = await startStack({ env: process.env, data, users: DEMO_USERS.filter((u) => u.role), quiet: true })
  const clients = []
  for (const user of DEMO_USERS.filter((u) => !u.role)) {
    const client = new AuthClient()
    await client.signUp(user).catch(() => client.signIn(user))
    clients.push(client)
  }
  const alice = clients[0]
  const token = await alice.token()
  const lines = [
    '',
    'The todo stack is running:',
    `  ${WEB_URL}/sign-in     sign in (or sign up); then ${WEB_URL}/dashboard`,
    `  ${API_URL}/docs        the FastAPI todo API (Authorize with a token)`,
    `  ${WEB_URL}/api/me      who a token is, checked by a Node route (native addon)`,
    '',
    'Demo users (email / password):',
    ...DEMO_USERS.map((u) => `  ${u.email} / ${u.password}${u.role ? `  (${u.role})` : ''}`),
    '',
    `A token for ${DEMO_USERS[0].email}, valid for ${process.env.JWT_EXPIRATION ?? '15m'}:`,
    `  TOKEN=${token}`,
    `  curl -s -X POST ${API_URL}/todos -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"title":"Try Wardgate"}'`,
    `  curl -s ${API_URL}/todos -H "Authorization: Bearer $TOKEN"`,
    '',
    'Ctrl-C stops both servers.',
  ]
  console.log(lines.join('\n'))
  let stopping = false
  const finish = async () => {
    stopping = true
    console.log('\nStopping...')
    await stack.stop()
    process.exit(0)
  }
  process.on('SIGINT', finish)
  process.on('SIGTERM', finish)
  // Stop as well if a server dies.
  await Promise.race(stack.processes.map((p) => p.exited))
  if (stopping) return
  console.error('A server stopped; stopping the other.')
  await stack.stop()
  process.exit(1)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  demo().catch((error) => {
    console.error(error)
    process.exit(1)
  })
}
