/**
 * Nodes: the cluster's members (name, role, status, addresses, versions, CPU, memory, temperature,
 * requests served — each node's own figures, asked when the page loads or refreshes) and, below, the
 * PiCloud nodes found on the LAN that are not in the cluster, each fresh one with Join (a dialog for
 * the set-up code it shows). "Add a node" makes a one-time join token and shows the `picloud join`
 * command for a node without a screen.
 */
import { useState } from 'preact/hooks';
import { api, seg } from '../api/client.js';
import { ActionButton, ActionForm, Dialog, Empty, Field, formValues, Loaded } from '../ui/components.js';
import { useAsync } from '../ui/use-async.js';

interface ClusterNode {
  id: string;
  name: string;
  role: 'primary' | 'member';
  status: 'up' | 'down';
  addresses: string[];
  wire_port: number;
  versions: Record<string, unknown>;
  last_seen: string | null;
  cpu_percent: number | null;
  memory: { total_bytes: number; used_bytes: number } | null;
  temperature_c: number | null;
  requests_served: number | null;
}

interface DiscoveredNode {
  id: string;
  name: string;
  addresses: string[];
  port: number;
  cluster_id: string | null;
  role: string;
  state: string;
  product: string;
  wire: number | null;
  joinable: boolean;
}

interface JoinToken {
  token: string;
  command: string;
  expires_at: string;
}

function memory(node: ClusterNode): string {
  if (!node.memory) return '—';
  const gib = (bytes: number) => (bytes / 1024 ** 3).toFixed(1);
  return `${gib(node.memory.used_bytes)} / ${gib(node.memory.total_bytes)} GiB`;
}

function versions(node: ClusterNode): string {
  const { product, wire } = node.versions as { product?: string; wire?: number };
  return `${product ?? '?'} (wire v${wire ?? '?'})`;
}

export function NodesPage() {
  const nodes = useAsync(() => api<{ items: ClusterNode[] }>('GET', '/admin/cluster/nodes'), []);
  const discovered = useAsync(() => api<{ items: DiscoveredNode[] }>('GET', '/admin/cluster/discovered'), []);
  const [joining, setJoining] = useState<DiscoveredNode | null>(null);
  const [adding, setAdding] = useState(false);
  const [token, setToken] = useState<JoinToken | null>(null);
  const [joined, setJoined] = useState<string | null>(null);
  const reload = () => {
    nodes.reload();
    discovered.reload();
  };
  return (
    <div class="page stack">
      <div class="row spread">
        <h1>Nodes</h1>
        <div class="row">
          <button type="button" onClick={reload}>
            Refresh
          </button>
          <button
            type="button"
            onClick={() => {
              setToken(null);
              setAdding(true);
            }}
          >
            Add a node
          </button>
        </div>
      </div>
      {joined && (
        <p class="notice" role="status">
          {joined}
        </p>
      )}
      <section class="card" aria-labelledby="members-title">
        <h2 id="members-title">In this cluster</h2>
        <Loaded state={nodes}>
          {({ items }) => (
            <table class="table" aria-label="Cluster nodes">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Role</th>
                  <th>Status</th>
                  <th>Addresses</th>
                  <th>Version</th>
                  <th>CPU</th>
                  <th>Memory</th>
                  <th>Temperature</th>
                  <th>Requests</th>
                  <th>
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((node) => (
                  <tr key={node.id} data-node={node.id}>
                    <td title={node.id}>{node.name}</td>
                    <td>{node.role}</td>
                    <td>
                      <span
                        class={`badge ${node.status === 'up' ? 'ok' : 'error'}`}
                        data-testid="node-status"
                      >
                        {node.status}
                      </span>
                    </td>
                    <td>{node.addresses.join(', ')}</td>
                    <td>{versions(node)}</td>
                    <td>{node.cpu_percent === null ? '—' : `${Math.round(node.cpu_percent)} %`}</td>
                    <td>{memory(node)}</td>
                    <td>{node.temperature_c === null ? '—' : `${node.temperature_c.toFixed(0)} °C`}</td>
                    <td>{node.requests_served ?? '—'}</td>
                    <td>
                      {node.role === 'member' && (
                        <ActionButton
                          class="danger"
                          confirm={`Remove ${node.name} from the cluster? It becomes a fresh node.`}
                          action={async () => {
                            await api('DELETE', `/admin/cluster/nodes/${seg(node.id)}`);
                            reload();
                          }}
                        >
                          Remove
                        </ActionButton>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Loaded>
      </section>
      <section class="card" aria-labelledby="discovered-title">
        <h2 id="discovered-title">Found on the network</h2>
        <Loaded state={discovered}>
          {({ items }) =>
            items.length === 0 ? (
              <Empty>
                No other PiCloud node found on this network. Start PiCloud on another machine, or use "Add a
                node".
              </Empty>
            ) : (
              <table class="table" aria-label="Discovered nodes">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Addresses</th>
                    <th>State</th>
                    <th>Version</th>
                    <th>
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((node) => (
                    <tr key={node.id} data-discovered={node.id}>
                      <td title={node.id}>{node.name}</td>
                      <td>{node.addresses.join(', ')}</td>
                      <td>{node.joinable ? 'fresh' : `in another cluster (${node.state})`}</td>
                      <td>
                        {node.product} (wire v{node.wire ?? '?'})
                      </td>
                      <td>
                        {node.joinable && (
                          <button type="button" onClick={() => setJoining(node)}>
                            Join
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Loaded>
      </section>
      <Dialog title={`Join ${joining?.name ?? ''}`} open={joining !== null} onClose={() => setJoining(null)}>
        <ActionForm
          submitLabel="Join"
          onSubmit={async (form) => {
            const { setup_code } = formValues(form);
            const node = await api<{ node_id: string; name: string }>('POST', '/admin/cluster/join', {
              node_id: joining?.id ?? '',
              setup_code,
            });
            setJoining(null);
            setJoined(`${node.name} joined the cluster.`);
            reload();
            return `${node.name} joined the cluster.`;
          }}
        >
          <p>
            Type the one-time set-up code {joining?.name ?? 'the node'} shows: on its screen when PiCloud
            starts, in its tray menu, or with <code>picloud status</code> on it.
          </p>
          <Field
            label="Set-up code"
            name="setup_code"
            required
            autoComplete="off"
            placeholder="K7QF-2MZP-9XRA"
          />
        </ActionForm>
      </Dialog>
      <Dialog title="Add a node" open={adding} onClose={() => setAdding(false)}>
        <div class="stack">
          <p>
            On a machine without a screen, install PiCloud and run this command there. It works once, before
            it expires; the new node checks that it talks to this cluster before it sends anything.
          </p>
          {token ? (
            <>
              <pre data-testid="join-command">{token.command}</pre>
              <p class="muted">Expires {new Date(token.expires_at).toLocaleString()}.</p>
            </>
          ) : (
            <ActionForm
              submitLabel="Make a join command"
              onSubmit={async (form) => {
                const { expires_in } = formValues(form);
                setToken(await api<JoinToken>('POST', '/admin/cluster/tokens', { expires_in }));
                return 'Made a join command.';
              }}
            >
              <label class="field">
                <span>Valid for</span>
                <select name="expires_in">
                  <option value="1h">1 hour</option>
                  <option value="24h">1 day</option>
                  <option value="7d">7 days</option>
                </select>
              </label>
            </ActionForm>
          )}
        </div>
      </Dialog>
    </div>
  );
}
