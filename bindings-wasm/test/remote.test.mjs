import { remoteTests } from '../../bindings-node/test/remote-suite.mjs'
import * as api from '../../bindings-node/wasm-node.mjs'

remoteTests(api)
