import { createRequire } from 'node:module'
import { remoteTests } from './remote-suite.mjs'

remoteTests(createRequire(import.meta.url)('../index.js'))
