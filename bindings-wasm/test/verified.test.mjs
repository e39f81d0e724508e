import { verifiedTests } from '../../bindings-node/test/verified-suite.mjs'
import * as api from '../../bindings-node/wasm-node.mjs'

verifiedTests(api)
