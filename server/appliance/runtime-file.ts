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
  /** HTTPS port of the apps' endpoints (PICLOUD_HTTPS_PORT). */
  httpsPort: number;
  /** HTTPS port of the panel (PICLOUD_PANEL_HTTPS_PORT). */
  panelHttpsPort: number;
  /** The apps' endpoints over HTTPS from this machine. */
  httpsUrl: string;
  /** The apps' endpoints over HTTPS for other devices on the LAN. */
  httpsLanUrls: string[];
  /** The panel over HTTPS from this machine. */
  panelHttpsUrl: string;
  /** The panel over HTTPS for other devices on the LAN. */
  panelHttpsLanUrls: string[];
  /** The trust page (plain HTTP on the panel's port, so a device can fetch the CA before trusting it). */
  trustUrl: string;
  /** The appliance CA's SHA-256 fingerprint (`AB:CD:…`), to compare before trusting it. */
  caFingerprint: string;
  /** 'embedded' or 'external'. */
  database: 'embedded' | 'external';
  /** ISO time of start. */
  startedAt: string;
  /** Product version. */
  version: string;
  /** The cluster port (wire protocol, mutual TLS). */
  clusterPort?: number;
  /** This node's id: SHA-256 of the certificate on its cluster port. */
  nodeId?: string;
  /**
   * The one-time set-up code while no admin account exists (this file is readable by its owner only),
   * else null: `picloud status` shows it, for set-up from another machine or joining a cluster.
   */
  setupCode?: string | null;
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
