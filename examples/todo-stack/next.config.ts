import type { NextConfig } from 'next'

const nextConfig: NextConfig = {
  // The proxy (proxy.ts) and the route handlers run on Node, where `wardgate` is the native
  // addon and better-sqlite3 a native module: Node loads both from node_modules at run time
  // (.node files are not bundled).
  serverExternalPackages: ['wardgate', 'better-sqlite3', 'pg'],
}

export default nextConfig
