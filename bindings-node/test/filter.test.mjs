import { createRequire } from 'node:module'
import { filterTests } from './filter-suite.mjs'

filterTests(createRequire(import.meta.url)('../index.js'))
