import { jwksUrlTests } from '../../bindings-node/test/jwks-urls-suite.mjs'
import * as api from '../../bindings-node/wasm-node.mjs'

jwksUrlTests(api)
