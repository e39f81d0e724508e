import type { NextConfig } from 'next'

const nextConfig: NextConfig = {
  // Pages and route handlers run on Node, where they import wardgate/next/principal and
  // wardgate/next/return-to (no engine); `wardgate` itself is the native addon there, which
  // Node loads from node_modules at run time (a .node file cannot be bundled). The Edge
  // middleware bundles the package's WebAssembly build instead.
  serverExternalPackages: ['wardgate'],
}

export default nextConfig
