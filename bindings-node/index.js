'use strict'
// The package on Node: the shared API (api.js) over the native addon.
const { createApi } = require('./api.js')
const { NativeEngine } = require('./native.js')
const { fileURLToPath } = require('node:url')

module.exports = createApi(NativeEngine, { fileURLToPath })
