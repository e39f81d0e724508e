import { createRequire } from 'node:module'
import { propertyTests } from './property-suite.mjs'

propertyTests(createRequire(import.meta.url)('../index.js'), { cases: 10000, tag: 'native' })
