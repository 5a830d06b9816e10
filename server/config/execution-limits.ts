/**
 * The per-run sandbox limits a configuration gives: the appliance's runs and local runs
 * (`picloud rhai run`, `picloud rhai repl`) share them. Sizes are fixed (see docs/configuration.md).
 */
import { type ExecutionLimits, RUN_TEXT_MAX_BYTES } from '../contracts/executor.js';
import type { Config } from './settings.js';

/** The limits of one run under `config`. */
export function executionLimits(
  config: Pick<Config, 'scriptMaxOperations' | 'scriptTimeoutMs' | 'scriptMaxResponseBytes'>,
): ExecutionLimits {
  return {
    maxOperations: config.scriptMaxOperations,
    timeoutMs: config.scriptTimeoutMs,
    maxResponseBytes: config.scriptMaxResponseBytes,
    maxOutputBytes: RUN_TEXT_MAX_BYTES,
    maxCallLevels: 64,
    maxStringSize: 4 * 1024 * 1024,
    maxArraySize: 1_000_000,
    maxMapSize: 100_000,
  };
}
