/**
 * The versioned surfaces of PiCloud (see docs/versioning.md). Each one changes on its own schedule:
 * the product follows package.json, the others are bumped only when their contract changes.
 */
import { readPackageJson } from './paths.js';

/** The product version, from package.json (single point of truth). */
export const PRODUCT_VERSION: string = readPackageJson().version;

/** The script SDK version scripts see as `ctx.sdk_version` ("major.minor"). New SDK functions bump the minor. */
export const SDK_VERSION = '1.3';

/** The HTTP API major version: every versioned route lives under `/api/v{API_VERSION}`. */
export const API_VERSION = 1;

/** The inter-node wire protocol version (`/wire/v{WIRE_VERSION}`, cluster mode). */
export const WIRE_VERSION = 1;

/** The versions of every surface, as served by `/version`. */
export interface SurfaceVersions {
  /** Product version (package.json). */
  product: string;
  /** Script SDK version. */
  sdk: string;
  /** HTTP API major version. */
  api: number;
  /** Database schema version: the highest applied migration. */
  schema: number;
  /** Wire protocol version. */
  wire: number;
}

/**
 * Collects the surface versions for a running server.
 * @example surfaceVersions(3) // { product: '0.1.0', sdk: '1.2', api: 1, schema: 3, wire: 1 }
 */
export function surfaceVersions(schemaVersion: number): SurfaceVersions {
  return {
    product: PRODUCT_VERSION,
    sdk: SDK_VERSION,
    api: API_VERSION,
    schema: schemaVersion,
    wire: WIRE_VERSION,
  };
}
