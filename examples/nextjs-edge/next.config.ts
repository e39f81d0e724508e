import type { NextConfig } from 'next'

const nextConfig: NextConfig = {
  // Pages and route handlers run on Node, where `wardgate` is the native addon: Node loads
  // it from node_modules at run time (a .node file cannot be bundled). The Edge middleware
  // bundles the package's WebAssembly build instead.
  serverExternalPackages: ['wardgate'],
}

export default nextConfig
