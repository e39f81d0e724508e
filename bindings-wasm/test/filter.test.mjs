import { filterTests } from '../../bindings-node/test/filter-suite.mjs'
import * as api from '../../bindings-node/wasm-node.mjs'

filterTests(api)
