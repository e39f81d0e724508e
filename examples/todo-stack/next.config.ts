import type { NextConfig } from 'next'

const nextConfig: NextConfig = {
  // Route handlers run on Node, where `wardgate` is the native addon and better-sqlite3 a
  // native module: Node loads both from node_modules at run time (.node files are not
  // bundled). The Edge middleware bundles Wardgate's WebAssembly build instead.
  serverExternalPackages: ['wardgate', 'better-sqlite3', 'pg'],
}

export default nextConfig
