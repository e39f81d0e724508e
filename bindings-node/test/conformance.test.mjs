import { fileURLToPath } from 'node:url'
import { conformanceTests } from './runner-suite.mjs'

conformanceTests(fileURLToPath(new URL('../conformance.mjs', import.meta.url)))
