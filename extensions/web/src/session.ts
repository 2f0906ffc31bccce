import { createContext, useContext } from 'react';
import type { Session } from './api/types';

export const SessionContext = createContext<Session | null>(null);

/** The signed-in user and tenant; views render only once the session is known. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === null) throw new Error('useSession outside a SessionContext provider');
  return session;
}
