'use client';
import { useEffect, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, EventEnvelope, ServerToClientEvents } from '../../server/realtime/events';

/**
 * The live events of one run. On every (re)connect it subscribes with the last sequence number it
 * holds, so the server replays exactly what was missed; events are kept once each, in order.
 */
export function useRunEvents(runId: string) {
  const [events, setEvents] = useState<EventEnvelope[]>([]);
  const [connected, setConnected] = useState(false);
  const seen = useRef(new Set<string>());
  const last = useRef<string | undefined>(undefined);

  useEffect(() => {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({ path: '/socket.io', transports: ['websocket'] });
    const add = (incoming: EventEnvelope[]) => {
      const fresh = incoming.filter((e) => ('runId' in e ? e.runId === runId : false) && !seen.current.has(e.seq));
      if (!fresh.length) return;
      for (const e of fresh) seen.current.add(e.seq);
      setEvents((prev) => {
        const all = [...prev, ...fresh].sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1));
        last.current = all.at(-1)?.seq;
        return all;
      });
    };
    socket.on('connect', () => {
      setConnected(true);
      socket.emit('run:subscribe', { runId, afterSeq: last.current }, (res) => {
        if (res.ok) add(res.events);
      });
    });
    socket.on('disconnect', () => setConnected(false));
    socket.on('event', (e) => add([e]));
    return () => {
      socket.close();
    };
  }, [runId]);

  return { events, connected };
}
