import { leakTests } from '../../bindings-node/test/leaks-suite.mjs'
import * as api from '../../bindings-node/wasm-node.mjs'

leakTests(api)
