/**
 * The live tail: the newest page of logs, then each new record as the server streams it
 * (Server-Sent Events, which reconnect by themselves). Nothing is polled.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { API_BASE, api, query } from '../api/client.js';
import type { LogRecord, Page } from '../api/types.js';

export interface TailFilters {
  app?: string;
  script?: string;
  status?: string;
}

/** Most records kept on screen; older ones drop off the end. */
const KEEP = 500;

export type TailState = 'connecting' | 'live' | 'paused' | 'reconnecting';

export function useLogTail(filters: TailFilters, paused: boolean) {
  const [records, setRecords] = useState<LogRecord[]>([]);
  const [error, setError] = useState<unknown>(undefined);
  const [state, setState] = useState<TailState>('connecting');
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const held = useRef<LogRecord[]>([]);
  const { app, script, status } = filters;

  useEffect(() => {
    let live = true;
    held.current = [];
    setRecords([]);
    setState('connecting');
    const params = query({ app, script, status });
    api<Page<LogRecord>>('GET', `/admin/logs${query({ app, script, status, limit: 100 })}`).then(
      (page) => {
        if (live) setRecords((current) => merge(current, page.items));
      },
      (caught) => live && setError(caught),
    );
    const source = new EventSource(`${API_BASE}/admin/logs/stream${params}`);
    source.addEventListener('open', () => setState(pausedRef.current ? 'paused' : 'live'));
    source.addEventListener('error', () => setState('reconnecting'));
    source.addEventListener('log', (event) => {
      const record = JSON.parse((event as MessageEvent<string>).data) as LogRecord;
      // While paused, new records wait so the list does not move under the reader.
      if (pausedRef.current) held.current.push(record);
      else setRecords((current) => merge(current, [record]));
    });
    return () => {
      live = false;
      source.close();
    };
  }, [app, script, status]);

  useEffect(() => {
    if (!paused && held.current.length > 0) {
      const waiting = held.current;
      held.current = [];
      setRecords((current) => merge(current, waiting));
    }
    setState((current) =>
      current === 'reconnecting' || current === 'connecting' ? current : paused ? 'paused' : 'live',
    );
  }, [paused]);

  return { records, error, state };
}

/** Newest first, each record once. */
function merge(current: LogRecord[], incoming: LogRecord[]): LogRecord[] {
  const byId = new Map(current.map((record) => [record.id, record]));
  for (const record of incoming) byId.set(record.id, record);
  return [...byId.values()]
    .sort((a, b) => b.started_at.localeCompare(a.started_at) || b.id.localeCompare(a.id))
    .slice(0, KEEP);
}
