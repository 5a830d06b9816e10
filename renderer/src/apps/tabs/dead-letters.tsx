/**
 * The dead letters of an app's queues: messages that failed every attempt, to inspect (payload and
 * last error) and replay onto their queue.
 */
import { useId, useState } from 'preact/hooks';
import { api, query, seg } from '../../api/client.js';
import type { DeadLetter, Page } from '../../api/types.js';
import { ActionButton, Dialog, Empty, Loaded, Notice } from '../../ui/components.js';
import { formatRelative } from '../../ui/format.js';
import { useAsync } from '../../ui/use-async.js';
import { firstPagePending, LoadMore, RelativeTime, TabSection, toJsonText, usePaged } from './tab-helpers.js';

/** The failed messages, newest failure first; a queue filter; inspect and replay each once. */
export function DeadLetters({
  base,
  queues,
  queue,
  onQueue,
}: {
  base: string;
  queues: string[];
  queue: string;
  onQueue: (queue: string) => void;
}) {
  const letters = usePaged(
    (cursor) => api<Page<DeadLetter>>('GET', `${base}/dead-letters${query({ queue, cursor, limit: 50 })}`),
    [base, queue],
  );
  const [viewing, setViewing] = useState<DeadLetter | null>(null);
  const [replayed, setReplayed] = useState<string | undefined>(undefined);
  const filterId = useId();
  // A deleted trigger's queue may still have dead letters: offer every queue seen.
  const known = [...new Set([...queues, ...letters.items.map((letter) => letter.queue), queue])]
    .filter(Boolean)
    .sort();

  const replay = async (letter: DeadLetter) => {
    const answer = await api<{ message_id: string; queue: string; dead_letter: DeadLetter }>(
      'POST',
      `${base}/dead-letters/${seg(letter.id)}/replay`,
    );
    letters.update((items) =>
      items.map((item) => (item.id === letter.id ? { ...answer.dead_letter, payload: undefined } : item)),
    );
    setViewing((current) => (current?.id === letter.id ? answer.dead_letter : current));
    setReplayed(`Sent again to ${answer.queue} as message ${answer.message_id.slice(0, 8)}…`);
  };

  return (
    <TabSection
      id="dead-title"
      title="Dead letters"
      actions={
        <div class="field">
          <label for={filterId} class="visually-hidden">
            Queue
          </label>
          <select id={filterId} value={queue} onChange={(event) => onQueue(event.currentTarget.value)}>
            <option value="">All queues</option>
            {known.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </div>
      }
    >
      <Notice>{replayed}</Notice>
      {firstPagePending(letters) ??
        (letters.items.length === 0 ? (
          <Empty>
            No dead letters{queue ? ` in ${queue}` : ''}. A queue message lands here when it failed every
            attempt.
          </Empty>
        ) : (
          <>
            <div class="table-wrap">
              <table class="data">
                <thead>
                  <tr>
                    <th scope="col">Failed</th>
                    <th scope="col">Queue</th>
                    <th scope="col">Error</th>
                    <th scope="col">Attempts</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {letters.items.map((letter) => (
                    <tr key={letter.id}>
                      <td class="nowrap">
                        <RelativeTime iso={letter.last_failed_at} />
                      </td>
                      <td class="mono">{letter.queue}</td>
                      <td>
                        <div class="clip" title={letter.error.message}>
                          {letter.error.message ?? letter.error.code}
                        </div>
                        {letter.error.code && <div class="small muted mono">{letter.error.code}</div>}
                      </td>
                      <td>{letter.attempts}</td>
                      <td class="actions-cell">
                        <div class="row">
                          <button
                            type="button"
                            class="small"
                            aria-label={`View the dead letter of ${letter.queue} that failed ${formatRelative(letter.last_failed_at)}`}
                            onClick={() => setViewing(letter)}
                          >
                            View
                          </button>
                          {letter.replayed_at ? (
                            <span class="badge badge-ok" title={letter.replayed_at}>
                              replayed <RelativeTime iso={letter.replayed_at} />
                            </span>
                          ) : (
                            <ActionButton
                              class="small"
                              label={`Replay the dead letter of ${letter.queue} that failed ${formatRelative(letter.last_failed_at)}`}
                              action={() => replay(letter)}
                            >
                              Replay
                            </ActionButton>
                          )}
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <LoadMore state={letters} />
          </>
        ))}
      <Dialog title="Dead letter" open={viewing !== null} onClose={() => setViewing(null)}>
        {viewing !== null && <DeadLetterView base={base} letter={viewing} onReplay={replay} />}
      </Dialog>
    </TabSection>
  );
}

function DeadLetterView({
  base,
  letter,
  onReplay,
}: {
  base: string;
  letter: DeadLetter;
  onReplay: (letter: DeadLetter) => Promise<void>;
}) {
  // The list leaves payloads out (they may be large): the dialog reads the whole letter.
  const full = useAsync(
    () => api<DeadLetter>('GET', `${base}/dead-letters/${seg(letter.id)}`),
    [base, letter.id, letter.replayed_at],
  );
  return (
    <Loaded state={full}>
      {(dead) => (
        <div class="stack">
          <dl class="facts">
            <dt>Queue</dt>
            <dd class="mono">{dead.queue}</dd>
            <dt>Attempts</dt>
            <dd>{dead.attempts}</dd>
            <dt>First failure</dt>
            <dd>
              <RelativeTime iso={dead.first_failed_at} />
            </dd>
            <dt>Last failure</dt>
            <dd>
              <RelativeTime iso={dead.last_failed_at} />
            </dd>
            <dt>Replayed</dt>
            <dd>
              <RelativeTime iso={dead.replayed_at} none="not yet" />
            </dd>
            <dt>Message id</dt>
            <dd class="mono small">{dead.id}</dd>
          </dl>
          <div>
            <h3>Last error</h3>
            <p class="notice notice-error">
              {dead.error.code && <span class="mono">{dead.error.code}: </span>}
              {dead.error.message}
            </p>
          </div>
          <div>
            <h3>Payload</h3>
            <pre>{toJsonText(dead.payload)}</pre>
          </div>
          {!dead.replayed_at && (
            <div class="row">
              <ActionButton class="primary" action={() => onReplay(dead)}>
                Replay
              </ActionButton>
              <span class="small muted">
                Sends the payload again as a new message of {dead.queue} (once).
              </span>
            </div>
          )}
        </div>
      )}
    </Loaded>
  );
}
