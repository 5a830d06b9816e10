/**
 * The tray menu, tooltip and icon as a pure function of the state: one row per server state, and the
 * notifications' texts.
 */
import { describe, expect, it } from 'vitest';
import { crashNotice, failedNotice, restartedNotice } from '../../main/notifications.js';
import { endpointUrl, type ServerState } from '../../main/supervisor/server-state.js';
import {
  buildTrayMenu,
  type TrayMenuItem,
  type TrayState,
  trayIconFile,
  trayIconVariant,
  trayTooltip,
} from '../../main/tray/tray-menu.js';

const running: ServerState = {
  kind: 'running',
  pid: 42,
  url: 'http://localhost:8081/',
  endpointsUrl: 'http://localhost:8080/',
  lanUrls: ['http://192.168.1.20:8080/'],
  caFingerprint:
    '6E:F4:8D:0A:FE:03:52:04:B7:F7:D8:3C:69:5D:45:5F:7A:3B:54:B1:EB:A5:18:C4:87:C3:04:65:B7:7E:29:FE',
  since: 0,
};
const portInUse: ServerState = {
  kind: 'error',
  failure: 'port-in-use',
  code: 'PICLOUD_ERR_STARTUP_PORT_IN_USE',
  message:
    'PICLOUD_PORT=8080: another program already listens on 0.0.0.0:8080. Stop it, or choose another port with PICLOUD_PORT.',
};

function tray(server: ServerState, overrides: Partial<TrayState> = {}): TrayState {
  return { server, nodes: null, startAtLogin: false, ...overrides };
}

/** The menu as lines: `label` for status lines, `[x] label -> action` for actions (x: enabled/checked). */
function render(items: TrayMenuItem[]): string[] {
  return items.map((item) => {
    if (item.type === 'separator') return '---';
    if (item.type === 'checkbox') return `[${item.checked ? '✓' : ' '}] ${item.label} -> ${item.action}`;
    if (!item.action) return item.label;
    return `[${item.enabled ? 'x' : ' '}] ${item.label} -> ${item.action}`;
  });
}

const TAIL = [
  '---',
  '[ ] Start at login -> toggle-start-at-login',
  '[x] Show data folder -> show-data-folder',
  '[x] Show server log -> show-log',
  '---',
  '[x] Quit PiCloud -> quit',
];

describe('the tray menu', () => {
  it.each<[string, ServerState, string[]]>([
    [
      'running: URL, node count, the CA fingerprint, every action',
      running,
      [
        'PiCloud is running',
        'http://localhost:8081/',
        '1 node',
        'CA SHA-256: 6E:F4:8D:0A:FE:03:52:04:B7:F7:D8:3C:69:5D:45:5F',
        '            7A:3B:54:B1:EB:A5:18:C4:87:C3:04:65:B7:7E:29:FE',
        '---',
        '[ ] Start server -> start',
        '[x] Stop server -> stop',
        '[x] Restart server -> restart',
        '---',
        '[x] Open panel -> open-panel',
        '[x] Open in browser -> open-in-browser',
        '[x] Copy endpoint URL -> copy-endpoint-url',
      ],
    ],
    [
      'stopped: only start',
      { kind: 'stopped' },
      [
        'PiCloud is stopped',
        '---',
        '[x] Start server -> start',
        '[ ] Stop server -> stop',
        '[ ] Restart server -> restart',
        '---',
        '[x] Open panel -> open-panel',
        '[ ] Open in browser -> open-in-browser',
        '[ ] Copy endpoint URL -> copy-endpoint-url',
      ],
    ],
    [
      'starting: can be stopped',
      { kind: 'starting', pid: 7 },
      [
        'PiCloud is starting…',
        '---',
        '[ ] Start server -> start',
        '[x] Stop server -> stop',
        '[ ] Restart server -> restart',
        '---',
        '[x] Open panel -> open-panel',
        '[ ] Open in browser -> open-in-browser',
        '[ ] Copy endpoint URL -> copy-endpoint-url',
      ],
    ],
    [
      'stopping: nothing to control',
      { kind: 'stopping', pid: 7 },
      [
        'PiCloud is stopping…',
        '---',
        '[ ] Start server -> start',
        '[ ] Stop server -> stop',
        '[ ] Restart server -> restart',
        '---',
        '[x] Open panel -> open-panel',
        '[ ] Open in browser -> open-in-browser',
        '[ ] Copy endpoint URL -> copy-endpoint-url',
      ],
    ],
    [
      'restarting after a crash: the delay and why; start now or stop',
      {
        kind: 'restarting',
        reason: 'The PiCloud server was killed by SIGKILL',
        delayMs: 4_000,
        failures: 3,
        at: 0,
      },
      [
        'PiCloud crashed — restarting in 4 s',
        'The PiCloud server was killed by SIGKILL',
        'Failed 3 times in a row',
        '---',
        '[x] Start server -> start',
        '[x] Stop server -> stop',
        '[ ] Restart server -> restart',
        '---',
        '[x] Open panel -> open-panel',
        '[ ] Open in browser -> open-in-browser',
        '[ ] Copy endpoint URL -> copy-endpoint-url',
      ],
    ],
    [
      'error: the headline and the (cut) message; start or restart',
      portInUse,
      [
        'PiCloud is stopped: Port in use',
        'PICLOUD_PORT=8080: another program already listens on 0.0.0.0:8080. …',
        '---',
        '[x] Start server -> start',
        '[ ] Stop server -> stop',
        '[x] Restart server -> restart',
        '---',
        '[x] Open panel -> open-panel',
        '[ ] Open in browser -> open-in-browser',
        '[ ] Copy endpoint URL -> copy-endpoint-url',
      ],
    ],
  ])('%s', (_name, server, head) => {
    expect(render(buildTrayMenu(tray(server)))).toEqual([...head, ...TAIL]);
  });

  it('shows the start-at-login setting checked, and a cluster’s node count with each node’s state', () => {
    const nodes = [
      { name: 'alpha', role: 'primary', status: 'up' },
      { name: 'beta', role: 'member', status: 'up' },
      { name: 'gamma', role: 'member', status: 'down' },
    ];
    const lines = render(buildTrayMenu(tray(running, { startAtLogin: true, nodes })));
    expect(lines).toContain('[✓] Start at login -> toggle-start-at-login');
    expect(lines).toContain('3 nodes');
    expect(lines).toContain('  alpha — up (primary)');
    expect(lines).toContain('  gamma — down');
    expect(render(buildTrayMenu(tray(running)))).toContain('1 node');
  });

  it("copies the endpoints' URL (the LAN one first), never the panel's", () => {
    expect(endpointUrl(running)).toBe('http://192.168.1.20:8080/');
    expect(endpointUrl({ ...running, lanUrls: [] } as ServerState)).toBe('http://localhost:8080/');
    expect(endpointUrl({ kind: 'stopped' })).toBeNull();
  });

  it('says the state in the tooltip and picks the icon: plain, idle or marked', () => {
    expect(trayTooltip(tray(running))).toBe('PiCloud — running at http://localhost:8081/');
    expect(trayTooltip(tray(portInUse))).toBe('PiCloud is stopped: Port in use');
    expect(trayIconVariant(running)).toBe('running');
    expect(trayIconVariant({ kind: 'starting', pid: null })).toBe('idle');
    expect(trayIconVariant(portInUse)).toBe('error');
    expect(trayIconFile('error', 'darwin')).toBe('tray/tray-errorTemplate.png');
    expect(trayIconFile('idle', 'linux')).toBe('tray/tray-idle.png');
  });
});

describe('notifications', () => {
  it('tell of a crash, the restart and an error the user must fix', () => {
    expect(
      crashNotice({ message: 'The PiCloud server exited with code 1', failures: 2, restartInMs: 2_000 }),
    ).toEqual({
      title: 'PiCloud server crashed',
      body: 'The PiCloud server exited with code 1 (2 times in a row). Restarting in 2 s.',
    });
    expect(restartedNotice(running as Extract<ServerState, { kind: 'running' }>)).toEqual({
      title: 'PiCloud server restarted',
      body: 'Running again at http://localhost:8081/',
    });
    expect(failedNotice(portInUse as Extract<ServerState, { kind: 'error' }>)).toEqual({
      title: 'PiCloud: Port in use',
      body: portInUse.kind === 'error' ? portInUse.message : '',
    });
  });
});
