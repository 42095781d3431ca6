import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import './globals.css';
import { Providers } from './providers';

/**
 * No title here: every page names its tab itself (components/ui/page-header.tsx `usePageTitle`,
 * from the data it shows), and a title rendered from metadata would overwrite it.
 */
export const metadata: Metadata = {
  description: 'Specs in, pull requests out: autonomous coding agents on your repositories.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
