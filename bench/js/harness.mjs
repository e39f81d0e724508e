// How the Node suite (suite.mjs) measures: the command line, the sampling of interleaved
// sides (bench/README.md, "Method"), the statistics, the rows of the harness contract, the
// child processes it starts and the tables it prints.

import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import os from 'node:os'
import { parseArgs } from 'node:util'

/** A sample lasts at least this long (ns): k calls, k the smallest power of two that gets there. */
const MIN_SAMPLE_NS = 10_000
/** Calibration doubles the calls up to this many at most (a side that never reaches a batch). */
const MAX_CALIBRATION_CALLS = 2 ** 24

/**
 * The suite's command line: `--fixtures FILE --out FILE [--quick]`, and the settings it gives.
 * @returns {{fixtures: string, out: string, quick: boolean, rounds: number, batchNs: number}}
 */
export function options() {
  const { values } = parseArgs({
    options: {
      fixtures: { type: 'string' },
      out: { type: 'string' },
      quick: { type: 'boolean', default: false },
    },
  })
  if (!values.fixtures || !values.out) throw new Error('usage: suite.mjs --fixtures FILE --out FILE [--quick]')
  const quick = values.quick
  return { fixtures: values.fixtures, out: values.out, quick, rounds: quick ? 5 : 30, batchNs: (quick ? 5 : 20) * 1e6 }
}

/**
 * A timer for a synchronous call: `run(k)` makes k calls and resolves to their nanoseconds.
 * @param {() => unknown} f
 * @returns {(k: number) => Promise<number>}
 */
export function syncTimer(f) {
  return async (k) => {
    const start = process.hrtime.bigint()
    for (let i = 0; i < k; i++) f()
    return Number(process.hrtime.bigint() - start)
  }
}

/**
 * A timer for a call returning a Promise: `run(k)` awaits k calls, one after the other.
 * @param {() => Promise<unknown>} f
 * @returns {(k: number) => Promise<number>}
 */
export function asyncTimer(f) {
  return async (k) => {
    const start = process.hrtime.bigint()
    for (let i = 0; i < k; i++) await f()
    return Number(process.hrtime.bigint() - start)
  }
}

/** Warms a timer up (doubling its calls until one run lasts a batch) and returns the k of
 *  its samples, from the time per call of that last, longest run. */
async function calibrate(run, batchNs) {
  let k = 1
  let elapsed = await run(k)
  while (elapsed < batchNs && k < MAX_CALIBRATION_CALLS) {
    k *= 2
    elapsed = await run(k)
  }
  const perCall = elapsed / k
  return 2 ** Math.max(0, Math.ceil(Math.log2(MIN_SAMPLE_NS / perCall)))
}

/** Samples (ns per call) of one timer for about batchNs, at least one. */
async function batch(run, k, batchNs, into) {
  const end = process.hrtime.bigint() + BigInt(Math.round(batchNs))
  do {
    into.push((await run(k)) / k)
  } while (process.hrtime.bigint() < end)
}

/**
 * Runs timers interleaved: `rounds` rounds, each giving every timer a batch of about
 * `batchNs`, in an order that rotates every round.
 * @param {Record<string, (k: number) => Promise<number>>} timers
 * @param {{rounds: number, batchNs: number}} settings
 * @returns {Promise<Record<string, {k: number, samples: number[]}>>} per timer, k and the
 *   time per call of every sample
 */
export async function measure(timers, { rounds, batchNs }) {
  const names = Object.keys(timers)
  const result = {}
  for (const name of names) result[name] = { k: await calibrate(timers[name], batchNs), samples: [] }
  for (let r = 0; r < rounds; r++) {
    const shift = r % names.length
    for (const name of [...names.slice(shift), ...names.slice(0, shift)]) {
      await batch(timers[name], result[name].k, batchNs, result[name].samples)
    }
  }
  return result
}

/**
 * The median of some numbers.
 * @param {number[]} values
 */
export function median(values) {
  const s = [...values].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/**
 * The p-th percentile (0 < p <= 100), nearest rank.
 * @param {number[]} values
 * @param {number} p
 */
function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b)
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)]
}

const round1 = (v) => Math.round(v * 10) / 10

/**
 * One row of the harness contract from a side's samples.
 * @param {{library: string, operation: string, alg: string}} side
 * @param {number[]} samples time per call of each sample (ns)
 */
export function row({ library, operation, alg }, samples) {
  const mid = median(samples)
  return {
    runtime: 'node',
    library,
    operation,
    alg,
    median_ns: round1(mid),
    p99_ns: round1(percentile(samples, 99)),
    ops_per_s: round1(1e9 / mid),
  }
}

/**
 * Adds `ratio_to_wardgate` to every row that has a `reference` row (same operation and
 * alg): the row's median over the reference's.
 * @param {object[]} rows
 * @param {string} reference the library the ratios are to
 */
export function addRatios(rows, reference) {
  const base = new Map(rows.filter((r) => r.library === reference).map((r) => [`${r.operation} ${r.alg}`, r.median_ns]))
  for (const r of rows) {
    const to = base.get(`${r.operation} ${r.alg}`)
    if (to) r.ratio_to_wardgate = Math.round((r.median_ns / to) * 1000) / 1000
  }
  return rows
}

/**
 * One entry of the contract's `extras`.
 * @param {string} library
 * @param {string} measure
 * @param {number|null} value null when it could not be measured (the note says why)
 * @param {string} unit
 * @param {string} note
 */
export function extra(library, measure, value, unit, note) {
  const rounded = value === null ? null : unit === 'ms' ? Math.round(value * 1000) / 1000 : round1(value)
  return { runtime: 'node', library, measure, value: rounded, unit, note }
}

/**
 * Runs `node [flags] script args` in a fresh process and resolves to the JSON it prints
 * on its last line; rejects with its stderr when it fails.
 * @param {string} script
 * @param {string[]} args
 * @param {string[]} [flags] node options
 */
export function runChild(script, args, flags = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flags, script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(JSON.parse(out.trim().split('\n').at(-1)))
      reject(new Error(`${script} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${err.trim()}`))
    })
  })
}

/**
 * Reads a JSON file.
 * @param {string | URL} file
 */
export const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'))

/**
 * A duration for a table: ns, µs or ms.
 * @param {number} ns
 */
export function fmt(ns) {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`
  return `${ns.toFixed(0)} ns`
}

/**
 * Rows of cells as an aligned text table, the first row as its header.
 * @param {string[][]} rows
 */
export function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  const line = (r) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()
  return [line(rows[0]), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join('\n')
}

/** The machine, for the console report. */
export function machine() {
  const cpus = os.cpus()
  return `${os.platform()} ${os.arch()}, ${cpus[0]?.model ?? 'unknown CPU'} (${cpus.length} CPUs)`
}
