import { createRequire } from 'node:module'
import { engineTests } from './suite.mjs'

engineTests(createRequire(import.meta.url)('../index.js'), { files: true })
