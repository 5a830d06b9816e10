/**
 * Settings → Backups: the schedule of automatic backups, "Back up now" (the secret files sealed under
 * a passphrase, or left out), the backups with Download, Restore and Delete, and "Upload and restore".
 * A restore replaces all data — accounts included — after the user types `replace`; the server first
 * writes a pre-restore backup.
 */
import { useState } from 'preact/hooks';
import { api, apiBytes, query, saveBlob, seg } from '../api/client.js';
import { ActionButton, ActionForm, Dialog, Empty, Field, formValues, Loaded } from '../ui/components.js';
import { useAsync } from '../ui/use-async.js';

interface Backup {
  name: string;
  size: number;
  kind: 'manual' | 'scheduled' | 'pre-restore';
  created_at: string;
  product: string;
  schema: number;
  secrets: 'sealed' | 'omitted';
}
interface BackupList {
  items: Backup[];
  schedule: {
    cron: string | null;
    timezone: string;
    next_at: string | null;
    keep: number;
    seals_secrets: boolean;
    min_free_mb: number;
  };
}
interface RestoreResult {
  message: string;
  preRestoreBackup: Backup | null;
}

function size(bytes: number): string {
  return bytes < 1024 * 1024 ? `${Math.ceil(bytes / 1024)} KiB` : `${(bytes / 1048576).toFixed(1)} MiB`;
}

/** The typed confirmation and passphrase every restore asks for. */
function RestoreFields() {
  return (
    <>
      <Field
        label="Passphrase (leave empty to restore everything but secrets)"
        name="passphrase"
        type="password"
        autoComplete="off"
      />
      <Field
        label='Type "replace" to replace all data of this appliance'
        name="confirm"
        required
        autoComplete="off"
        pattern="replace"
      />
    </>
  );
}

function restoreOptions(form: HTMLFormElement): { passphrase: string | null } {
  const values = formValues(form);
  if (values.confirm !== 'replace') throw new Error('Type "replace" to confirm');
  return { passphrase: values.passphrase ? values.passphrase : null };
}

export function BackupsPage() {
  const list = useAsync(() => api<BackupList>('GET', '/admin/backups'), []);
  const [restoring, setRestoring] = useState<Backup | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const restored = (answer: RestoreResult) => {
    setResult(
      `${answer.message}${answer.preRestoreBackup ? ` The replaced data is in ${answer.preRestoreBackup.name}.` : ''} Sign in again with the backup's account if asked.`,
    );
    list.reload();
    return 'Restored.';
  };
  return (
    <div class="page stack">
      <h1>Settings</h1>
      <section class="card" aria-labelledby="backups-title">
        <h2 id="backups-title">Backups</h2>
        {result && (
          <p class="notice" role="status">
            {result}
          </p>
        )}
        <Loaded state={list}>
          {({ items, schedule }) => (
            <div class="stack">
              <p class="muted" data-testid="backup-schedule">
                {schedule.cron
                  ? `Automatic backups: "${schedule.cron}" (${schedule.timezone}), next ${schedule.next_at ? new Date(schedule.next_at).toLocaleString() : '—'}; the newest ${schedule.keep} are kept; secrets ${schedule.seals_secrets ? 'sealed under the passphrase file' : 'left out (no passphrase file)'}.`
                  : 'Automatic backups are off (PICLOUD_BACKUP_SCHEDULE).'}
              </p>
              <ActionForm
                label="Back up now"
                submitLabel="Back up now"
                class="row"
                onSubmit={async (form) => {
                  const { passphrase } = formValues(form);
                  const made = await api<Backup>('POST', '/admin/backups', passphrase ? { passphrase } : {});
                  list.reload();
                  return `Wrote ${made.name}.`;
                }}
              >
                <Field
                  label="Passphrase to seal the secret files (optional)"
                  name="passphrase"
                  type="password"
                  autoComplete="new-password"
                />
              </ActionForm>
              {items.length === 0 ? (
                <Empty>No backups yet.</Empty>
              ) : (
                <div class="table-wrap">
                  <table class="table" aria-label="Backups">
                    <thead>
                      <tr>
                        <th>Created</th>
                        <th>Kind</th>
                        <th>Size</th>
                        <th>Secrets</th>
                        <th>
                          <span class="visually-hidden">Actions</span>
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {items.map((backup) => (
                        <tr key={backup.name} data-backup={backup.name}>
                          <td title={backup.name}>{new Date(backup.created_at).toLocaleString()}</td>
                          <td>{backup.kind}</td>
                          <td>{size(backup.size)}</td>
                          <td>{backup.secrets}</td>
                          <td class="row">
                            <ActionButton
                              action={async () =>
                                saveBlob(
                                  await apiBytes<Blob>('GET', `/admin/backups/${seg(backup.name)}`, {
                                    download: true,
                                  }),
                                  backup.name,
                                )
                              }
                            >
                              Download
                            </ActionButton>
                            <button type="button" onClick={() => setRestoring(backup)}>
                              Restore
                            </button>
                            <ActionButton
                              class="danger"
                              confirm={`Delete ${backup.name}?`}
                              action={async () => {
                                await api('DELETE', `/admin/backups/${seg(backup.name)}`);
                                list.reload();
                              }}
                            >
                              Delete
                            </ActionButton>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </div>
          )}
        </Loaded>
      </section>
      <section class="card" aria-labelledby="upload-title">
        <h2 id="upload-title">Upload and restore</h2>
        <ActionForm
          label="Upload and restore"
          submitLabel="Upload and restore"
          onSubmit={async (form) => {
            const file = (form.elements.namedItem('archive') as HTMLInputElement).files?.[0];
            if (!file) throw new Error('Choose a backup file (.backup.tgz)');
            const { passphrase } = restoreOptions(form);
            const answer = await apiBytes<RestoreResult>(
              'POST',
              `/admin/backups:restore${query({ confirm: 'replace' })}`,
              {
                body: file,
                headers: passphrase ? { 'x-picloud-passphrase': passphrase } : {},
              },
            );
            return restored(answer);
          }}
        >
          <label class="field">
            <span>Backup file</span>
            <input type="file" name="archive" accept=".tgz,application/gzip" required />
          </label>
          <RestoreFields />
        </ActionForm>
      </section>
      <Dialog
        title={`Restore ${restoring?.name ?? ''}`}
        open={restoring !== null}
        onClose={() => setRestoring(null)}
      >
        <ActionForm
          submitLabel="Restore"
          onSubmit={async (form) => {
            const { passphrase } = restoreOptions(form);
            const answer = await api<RestoreResult>(
              'POST',
              `/admin/backups/${seg(restoring?.name ?? '')}/restore`,
              {
                confirm: 'replace',
                ...(passphrase ? { passphrase } : {}),
              },
            );
            setRestoring(null);
            return restored(answer);
          }}
        >
          <p>
            Everything on this appliance is replaced by the backup. A backup of the current data is written
            first.
          </p>
          <RestoreFields />
        </ActionForm>
      </Dialog>
    </div>
  );
}
