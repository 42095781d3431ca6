'use client';
import { useState, type ReactNode } from 'react';
import { SessionProvider } from 'next-auth/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { httpBatchLink, httpLink, splitLink } from '@trpc/client';
import superjson from 'superjson';
import { MAX_BATCH_ITEMS, PUBLIC_PROCEDURES, trpc } from '../components/trpc';

export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(
    () => new QueryClient({ defaultOptions: { queries: { retry: (n, err) => n < 2 && !/UNAUTHORIZED|FORBIDDEN|NOT_FOUND/.test(String((err as { data?: { code?: string } })?.data?.code)), refetchOnWindowFocus: false } } }),
  );
  const [client] = useState(() =>
    trpc.createClient({
      links: [
        splitLink({
          // Public procedures travel alone: the server never batches them.
          condition: (op) => PUBLIC_PROCEDURES.includes(op.path),
          true: httpLink({ url: '/api/trpc', transformer: superjson }),
          false: httpBatchLink({ url: '/api/trpc', transformer: superjson, maxItems: MAX_BATCH_ITEMS }),
        }),
      ],
    }),
  );
  return (
    <SessionProvider>
      <trpc.Provider client={client} queryClient={queryClient}>
        <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
      </trpc.Provider>
    </SessionProvider>
  );
}
