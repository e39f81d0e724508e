import { propertyTests } from '../../bindings-node/test/property-suite.mjs'
import * as api from '../../bindings-node/wasm-node.mjs'

propertyTests(api, { cases: 5000, tag: 'wasm' })
