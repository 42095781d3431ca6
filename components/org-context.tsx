'use client';
import { createContext, useContext } from 'react';

export type OrgInfo = { id: string; slug: string; name: string; role: 'owner' | 'admin' | 'member' | 'viewer' };

export const OrgContext = createContext<OrgInfo | null>(null);

export function useOrg(): OrgInfo {
  const org = useContext(OrgContext);
  if (!org) throw new Error('useOrg must be used inside an organization page');
  return org;
}
