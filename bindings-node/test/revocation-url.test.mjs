import { createRequire } from 'node:module'
import { revocationUrlTests } from './revocation-url-suite.mjs'

revocationUrlTests(createRequire(import.meta.url)('../index.js'))
