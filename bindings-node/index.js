'use strict'
// The package on Node: the shared API (api.js) over the native addon.
const { createApi } = require('./api.js')
const { NativeEngine } = require('./native.js')
const { fileURLToPath } = require('node:url')

const api = createApi(NativeEngine, { fileURLToPath })
// Named one by one, so that `import { Engine } from 'wardgate'` works in Node's ESM too.
exports.Engine = api.Engine
exports.AuthError = api.AuthError
exports.ConfigError = api.ConfigError
exports.FilterError = api.FilterError
exports.RevokeError = api.RevokeError
exports.Filter = api.Filter
