/**
 * `runtime.json` in the data folder tells `picloud status` (and the desktop app) how to reach the
 * running server. Written once the server listens, removed on a clean stop.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a running PiCloud publishes about itself. */
export interface RuntimeInfo {
  pid: number;
  /** Port of the apps' endpoints (PICLOUD_PORT). */
  port: number;
  /** Port of the control panel and its API (PICLOUD_PANEL_PORT). */
  panelPort: number;
  /** Bind address (of both). */
  host: string;
  /** The apps' endpoints from this machine. */
  localUrl: string;
  /** The apps' endpoints for other devices on the LAN. */
  lanUrls: string[];
  /** The control panel from this machine. */
  panelUrl: string;
  /** The control panel for other devices on the LAN. */
  panelLanUrls: string[];
  /** 'embedded' or 'external'. */
  database: 'embedded' | 'external';
  /** ISO time of start. */
  startedAt: string;
  /** Product version. */
  version: string;
}

function path(dataDir: string): string {
  return join(dataDir, 'runtime.json');
}

/** Publishes the runtime info. */
export function writeRuntimeInfo(dataDir: string, info: RuntimeInfo): void {
  writeFileSync(path(dataDir), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
}

/** Reads the runtime info, or null when there is none. */
export function readRuntimeInfo(dataDir: string): RuntimeInfo | null {
  try {
    return JSON.parse(readFileSync(path(dataDir), 'utf8')) as RuntimeInfo;
  } catch {
    return null;
  }
}

/** Removes the runtime info (clean stop). */
export function removeRuntimeInfo(dataDir: string): void {
  rmSync(path(dataDir), { force: true });
}
