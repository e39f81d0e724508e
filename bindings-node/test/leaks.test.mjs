import { createRequire } from 'node:module'
import { leakTests } from './leaks-suite.mjs'

leakTests(createRequire(import.meta.url)('../index.js'))
