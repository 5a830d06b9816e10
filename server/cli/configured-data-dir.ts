import { loadConfig } from '../config/load-config.js';
import { ConfigError } from '../config/settings.js';

/** The data folder the configuration names, or null once the reason it was refused is printed. */
export function configuredDataDir(): string | null {
  try {
    return loadConfig().dataDir;
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`picloud: ${error.message}`);
      return null;
    }
    throw error;
  }
}
