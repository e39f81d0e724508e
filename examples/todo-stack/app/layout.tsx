import type { ReactNode } from 'react'

export const metadata = { title: 'Wardgate todo stack' }

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: 'system-ui, sans-serif', margin: '2rem', maxWidth: '46rem' }}>{children}</body>
    </html>
  )
}
