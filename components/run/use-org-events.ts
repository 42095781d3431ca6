'use client';
import { useEffect, useRef } from 'react';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, EventEnvelope, ServerToClientEvents } from '../../server/realtime/events';

/** Calls `onEvent` for every live event of the caller's organisations (e.g. `spec.planned`). */
export function useOrgEvents(onEvent: (e: EventEnvelope) => void) {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({ path: '/socket.io', transports: ['websocket'] });
    socket.on('event', (e) => handler.current(e));
    return () => {
      socket.close();
    };
  }, []);
}
