import { fileURLToPath } from 'node:url'
import { conformanceTests } from '../../bindings-node/test/runner-suite.mjs'

conformanceTests(fileURLToPath(new URL('../conformance.mjs', import.meta.url)))
