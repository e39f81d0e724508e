import { createRequire } from 'node:module'
import { verifiedTests } from './verified-suite.mjs'

verifiedTests(createRequire(import.meta.url)('../index.js'))
