/**
 * The figures a node reports with each heartbeat: CPU use since the previous report, memory in use and
 * the SoC's temperature where Linux exposes it. Only cheap reads (the kernel's counters through
 * `os`, one small sysfs file) — nothing spawned — since they run every few seconds.
 */
import { readFile } from 'node:fs/promises';
import { cpus, freemem, totalmem } from 'node:os';

/** A report's measured figures. */
export interface NodeVitals {
  /** Share of all CPUs busy since the previous sample (0–1); null on the first. */
  cpu_load: number | null;
  memory_used_bytes: number;
  memory_total_bytes: number;
  /** Degrees Celsius of the first thermal zone; null where there is none (containers, most PCs). */
  temperature_c: number | null;
}

const THERMAL_ZONE = '/sys/class/thermal/thermal_zone0/temp';

function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}

async function temperature(): Promise<number | null> {
  try {
    const milli = Number.parseInt(await readFile(THERMAL_ZONE, 'utf8'), 10);
    return Number.isFinite(milli) ? Math.round(milli / 100) / 10 : null;
  } catch {
    return null;
  }
}

/** Samples the vitals; each call measures CPU use since the previous one. */
export class VitalsSampler {
  #previous = cpuTimes();
  #first = true;

  async sample(): Promise<NodeVitals> {
    const now = cpuTimes();
    const total = now.total - this.#previous.total;
    const load = this.#first || total <= 0 ? null : (now.busy - this.#previous.busy) / total;
    this.#previous = now;
    this.#first = false;
    const memoryTotal = totalmem();
    return {
      cpu_load: load === null ? null : Math.round(load * 1000) / 1000,
      memory_used_bytes: memoryTotal - freemem(),
      memory_total_bytes: memoryTotal,
      temperature_c: await temperature(),
    };
  }
}
