import { engineTests } from '../../bindings-node/test/suite.mjs'
import * as api from '../../bindings-node/wasm-node.mjs'

engineTests(api, { files: false })
