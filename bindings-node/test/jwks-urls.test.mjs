import { createRequire } from 'node:module'
import { jwksUrlTests } from './jwks-urls-suite.mjs'

jwksUrlTests(createRequire(import.meta.url)('../index.js'))
