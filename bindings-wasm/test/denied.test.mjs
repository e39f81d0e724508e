import { deniedTests } from '../../bindings-node/test/denied-suite.mjs'
import * as api from '../../bindings-node/wasm-node.mjs'

deniedTests(api)
