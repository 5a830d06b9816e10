/**
 * The app's triggers: cron schedules and queues that run endpoint scripts without an HTTP request.
 * Each trigger can be paused at once, edited, deleted, and a queue can be sent a test message. Below,
 * the dead letters (dead-letters.tsx): queue messages that failed every attempt.
 */
import { useId, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, query, seg } from '../../api/client.js';
import type { Page, ScriptSummary, Trigger } from '../../api/types.js';
import {
  ActionButton,
  ActionForm,
  Dialog,
  Empty,
  Field,
  formValues,
  Loaded,
  Notice,
} from '../../ui/components.js';
import { useAsync } from '../../ui/use-async.js';
import type { AppTabProps } from '../app-detail.js';
import { DeadLetters } from './dead-letters.js';
import { JsonField, parseJsonOrThrow, RelativeTime, SaveSwitch, TabSection } from './tab-helpers.js';

/** The server's retry bounds (trigger-store RETRY_POLICY), so the form refuses what the API would. */
const RETRY = {
  maxAttempts: { default: 3, min: 1, max: 25 },
  backoffSeconds: { default: 10, min: 1, max: 3600 },
} as const;

/** Schedules people reach for most; one click fills the field. */
const PRESETS = [
  ['Every minute', '* * * * *'],
  ['Every 5 minutes', '*/5 * * * *'],
  ['Hourly', '0 * * * *'],
  ['Daily at 07:00', '0 7 * * *'],
  ['Mondays at 09:00', '0 9 * * 1'],
  ['Every 10 seconds', '*/10 * * * * *'],
] as const;

const QUEUE_PATTERN = '[A-Za-z0-9_][A-Za-z0-9_.\\-]{0,63}';

/** The browser's time zone: a schedule written here most likely means local time. */
function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

function timeZones(): string[] {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [];
  }
}

function label(trigger: Trigger): string {
  return trigger.kind === 'cron' ? `${trigger.schedule} (${trigger.script_name})` : `queue ${trigger.queue}`;
}

export function TriggersTab({ app }: AppTabProps) {
  const base = `/admin/apps/${seg(app.id)}`;
  const triggers = useAsync(() => api<{ items: Trigger[] }>('GET', `${base}/triggers`), [base]);
  const scripts = useAsync(
    () =>
      api<Page<ScriptSummary>>(
        'GET',
        `/admin/scripts${query({ app: app.id, kind: 'endpoint', limit: 200 })}`,
      ),
    [app.id],
  );
  const [editing, setEditing] = useState<Trigger | 'new' | null>(null);
  const [sending, setSending] = useState<Trigger | null>(null);
  const [deadQueue, setDeadQueue] = useState('');
  const endpoints = scripts.data?.items ?? [];
  const queues = (triggers.data?.items ?? []).flatMap((trigger) => (trigger.queue ? [trigger.queue] : []));

  return (
    <div class="stack">
      <TabSection
        id="triggers-title"
        title="Triggers"
        actions={
          <button
            type="button"
            class="primary"
            onClick={() => setEditing('new')}
            disabled={scripts.data !== undefined && endpoints.length === 0}
          >
            Add trigger
          </button>
        }
      >
        <p class="lead muted">
          A <strong>cron</strong> trigger runs an endpoint script on a schedule; a <strong>queue</strong>{' '}
          trigger runs it for each message sent to a queue (by <code>queue::send</code> in a script or from
          here), retrying with a growing pause and keeping a message that fails every attempt as a dead
          letter.
        </p>
        {scripts.data && endpoints.length === 0 && (
          <p class="muted">
            Triggers run endpoint scripts: <Link href={`/apps/${app.slug}/scripts`}>create one first</Link>.
          </p>
        )}
        <Notice error={scripts.error} />
        <Loaded state={triggers}>
          {({ items }) =>
            items.length === 0 ? (
              <Empty>
                No triggers yet. Add one to run a script every hour, or for each message of a queue.
              </Empty>
            ) : (
              <ul class="stack plain" aria-label="Triggers">
                {items.map((trigger) => (
                  <TriggerCard
                    key={trigger.id}
                    trigger={trigger}
                    base={base}
                    onChanged={triggers.reload}
                    onEdit={() => setEditing(trigger)}
                    onSend={() => setSending(trigger)}
                    onShowDeadLetters={() => {
                      setDeadQueue(trigger.queue ?? '');
                      document.getElementById('dead-title')?.scrollIntoView({ behavior: 'smooth' });
                    }}
                  />
                ))}
              </ul>
            )
          }
        </Loaded>
      </TabSection>

      <DeadLetters base={base} queues={queues} queue={deadQueue} onQueue={setDeadQueue} />

      <Dialog
        title={editing === 'new' ? 'Add trigger' : 'Edit trigger'}
        open={editing !== null}
        onClose={() => setEditing(null)}
      >
        {editing !== null && (
          <TriggerForm
            trigger={editing === 'new' ? null : editing}
            endpoints={endpoints}
            onSave={async (body) => {
              if (editing === 'new') await api('POST', `${base}/triggers`, body);
              else await api('PATCH', `${base}/triggers/${seg(editing.id)}`, body);
              setEditing(null);
              await triggers.reload();
            }}
          />
        )}
      </Dialog>

      <Dialog
        title={sending ? `Send a test message to ${sending.queue}` : 'Send a test message'}
        open={sending !== null}
        onClose={() => setSending(null)}
      >
        {sending !== null && <SendMessage base={base} trigger={sending} appSlug={app.slug} />}
      </Dialog>
    </div>
  );
}

function TriggerCard({
  trigger,
  base,
  onChanged,
  onEdit,
  onSend,
  onShowDeadLetters,
}: {
  trigger: Trigger;
  base: string;
  onChanged: () => Promise<void>;
  onEdit: () => void;
  onSend: () => void;
  onShowDeadLetters: () => void;
}) {
  const path = `${base}/triggers/${seg(trigger.id)}`;
  return (
    <li class={`card${trigger.enabled ? '' : ' disabled'}`}>
      <div class="row spread">
        <div class="grow stack tight">
          <div class="row">
            <span class={`badge badge-${trigger.kind}`}>{trigger.kind}</span>
            {trigger.kind === 'cron' ? (
              <>
                <strong class="mono">{trigger.schedule}</strong>
                <span class="muted small">{trigger.timezone}</span>
              </>
            ) : (
              <strong class="mono">{trigger.queue}</strong>
            )}
            {!trigger.enabled && <span class="badge badge-off">paused</span>}
          </div>
          <div class="small muted">
            runs <span class="mono">{trigger.script_name}</span>
          </div>
        </div>
        <SaveSwitch
          checked={trigger.enabled}
          label={`Enabled: ${label(trigger)}`}
          onChange={async (enabled) => {
            await api('PATCH', path, { enabled });
            await onChanged();
          }}
        >
          Enabled
        </SaveSwitch>
      </div>
      <dl class="trigger-facts small">
        {trigger.kind === 'cron' ? (
          <>
            <div>
              <dt>Next run</dt>
              <dd>
                <RelativeTime iso={trigger.next_fire_at} none={trigger.enabled ? '—' : 'paused'} />
              </dd>
            </div>
            <div>
              <dt>Last run</dt>
              <dd>
                <RelativeTime iso={trigger.last_fired_at} none="never" />
              </dd>
            </div>
          </>
        ) : (
          <>
            <div>
              <dt>Attempts</dt>
              <dd>{trigger.max_attempts}</dd>
            </div>
            <div>
              <dt>First retry after</dt>
              <dd>{trigger.backoff_seconds} s, then doubling</dd>
            </div>
          </>
        )}
      </dl>
      <div class="row small card-actions">
        <button type="button" aria-label={`Edit ${label(trigger)}`} onClick={onEdit}>
          Edit
        </button>
        {trigger.kind === 'queue' && (
          <>
            <button type="button" onClick={onSend} aria-label={`Send a test message to ${trigger.queue}`}>
              Send test message
            </button>
            <button
              type="button"
              onClick={onShowDeadLetters}
              aria-label={`Show dead letters of ${trigger.queue}`}
            >
              Dead letters
            </button>
          </>
        )}
        <ActionButton
          class="danger"
          label={`Delete ${label(trigger)}`}
          confirm={
            trigger.kind === 'queue'
              ? `Delete the trigger of queue ${trigger.queue}? Its pending messages are deleted with it.`
              : `Delete the schedule ${trigger.schedule} of ${trigger.script_name}?`
          }
          action={async () => {
            await api('DELETE', path);
            await onChanged();
          }}
        >
          Delete
        </ActionButton>
      </div>
    </li>
  );
}

/** Checks the field count in the browser; the server checks the rest and its message is shown. */
function checkSchedule(schedule: string): string {
  const fields = schedule.trim().split(/\s+/).filter(Boolean);
  if (fields.length !== 5 && fields.length !== 6) {
    throw new Error(
      `A schedule has 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first); this one has ${fields.length}.`,
    );
  }
  return fields.join(' ');
}

function TriggerForm({
  trigger,
  endpoints,
  onSave,
}: {
  trigger: Trigger | null;
  endpoints: ScriptSummary[];
  onSave: (body: Record<string, unknown>) => Promise<void>;
}) {
  const [kind, setKind] = useState<Trigger['kind']>(trigger?.kind ?? 'cron');
  const [schedule, setSchedule] = useState(trigger?.schedule ?? '0 * * * *');
  const zonesId = useId();
  const scriptId = useId();
  return (
    <ActionForm
      submitLabel={trigger ? 'Save trigger' : 'Add trigger'}
      onSubmit={async (form) => {
        const values = formValues(form);
        // Each kind has its own fields; the API refuses the other kind's.
        const fields =
          kind === 'cron'
            ? { schedule: checkSchedule(schedule), timezone: values.timezone.trim() || 'UTC' }
            : {
                queue: values.queue.trim(),
                max_attempts: Number(values.max_attempts),
                backoff_seconds: Number(values.backoff_seconds),
              };
        const body = trigger
          ? { script: values.script, ...fields }
          : { script: values.script, kind, ...fields, enabled: values.enabled === 'on' };
        await onSave(body);
      }}
    >
      <div class="field">
        <label for={scriptId}>Script</label>
        <select id={scriptId} name="script" required>
          {endpoints.map((script) => (
            <option key={script.id} value={script.id} selected={script.id === trigger?.script_id}>
              {script.name}
            </option>
          ))}
        </select>
      </div>
      {!trigger && (
        <fieldset class="row">
          <legend>Runs</legend>
          <label>
            <input
              type="radio"
              name="kind"
              value="cron"
              checked={kind === 'cron'}
              onChange={() => setKind('cron')}
            />{' '}
            On a schedule (cron)
          </label>
          <label>
            <input
              type="radio"
              name="kind"
              value="queue"
              checked={kind === 'queue'}
              onChange={() => setKind('queue')}
            />{' '}
            For each queue message
          </label>
        </fieldset>
      )}
      {kind === 'cron' ? (
        <>
          <Field
            label="Schedule"
            name="schedule"
            required
            maxLength={200}
            class="mono"
            spellcheck={false}
            autoComplete="off"
            value={schedule}
            onInput={(event) => setSchedule(event.currentTarget.value)}
            hint='5 fields "minute hour day-of-month month day-of-week", or 6 with seconds first. "*/15" means every 15.'
          />
          <fieldset class="row presets small">
            <legend>Common schedules</legend>
            {PRESETS.map(([name, expression]) => (
              <button
                key={expression}
                type="button"
                class="small"
                aria-pressed={schedule.trim() === expression}
                onClick={() => setSchedule(expression)}
              >
                {name}
              </button>
            ))}
          </fieldset>
          <Field
            label="Time zone"
            name="timezone"
            required
            list={zonesId}
            autoComplete="off"
            spellcheck={false}
            defaultValue={trigger?.timezone ?? browserTimeZone()}
            hint="The schedule is read in this zone (IANA name), daylight saving included."
          />
          <datalist id={zonesId}>
            {timeZones().map((zone) => (
              <option key={zone} value={zone} />
            ))}
          </datalist>
        </>
      ) : (
        <>
          <Field
            label="Queue"
            name="queue"
            required
            maxLength={64}
            pattern={QUEUE_PATTERN}
            autoComplete="off"
            spellcheck={false}
            defaultValue={trigger?.queue ?? ''}
            hint='Letters, digits, "_", "." and "-". Scripts send to it with queue::send("name", payload).'
          />
          <div class="row">
            <Field
              label="Attempts per message"
              name="max_attempts"
              type="number"
              required
              min={RETRY.maxAttempts.min}
              max={RETRY.maxAttempts.max}
              step={1}
              defaultValue={String(trigger?.max_attempts ?? RETRY.maxAttempts.default)}
            />
            <Field
              label="First retry after (seconds)"
              name="backoff_seconds"
              type="number"
              required
              min={RETRY.backoffSeconds.min}
              max={RETRY.backoffSeconds.max}
              step={1}
              defaultValue={String(trigger?.backoff_seconds ?? RETRY.backoffSeconds.default)}
            />
          </div>
          <p class="small muted">
            Retry n waits about backoff × 2<sup>n−1</sup>. After the last attempt the message becomes a dead
            letter.
          </p>
        </>
      )}
      {!trigger && (
        <label class="check">
          <input type="checkbox" name="enabled" defaultChecked /> Enabled (starts at once)
        </label>
      )}
    </ActionForm>
  );
}

function SendMessage({ base, trigger, appSlug }: { base: string; trigger: Trigger; appSlug: string }) {
  const [text, setText] = useState('{\n  "test": true\n}');
  return (
    <div class="stack">
      <p class="small muted">
        <span class="mono">{trigger.script_name}</span> runs with the payload as <code>ctx.body</code>. Its
        runs appear in the <Link href={`/apps/${appSlug}/logs`}>Logs</Link> tab.
      </p>
      <ActionForm
        submitLabel="Send"
        onSubmit={async () => {
          const payload = parseJsonOrThrow(text, 'The payload');
          const sent = await api<{ message_id: string; queue: string }>(
            'POST',
            `${base}/queues/${seg(trigger.queue ?? '')}/messages`,
            { payload },
          );
          return `Sent to ${sent.queue} as message ${sent.message_id.slice(0, 8)}…`;
        }}
      >
        <JsonField label="Payload (JSON)" name="payload" value={text} onInput={setText} autoFocus rows={8} />
      </ActionForm>
    </div>
  );
}
