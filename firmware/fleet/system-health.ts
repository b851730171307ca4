/** Health figures Node can read on any Linux board: uptime, load, memory, disk, CPU temperature. */
import { readFile, readdir, statfs } from 'node:fs/promises';
import { availableParallelism, freemem, loadavg, totalmem, uptime } from 'node:os';
import type { HealthBody } from '@limen/sdk/protocol';

export type SystemHealth = Pick<HealthBody, 'uptimeS' | 'cpuLoad' | 'cpuTempC' | 'memory' | 'disk'>;

/** The first thermal zone that reads as a plausible temperature; null where the board exposes none. */
async function cpuTemperature(): Promise<number | null> {
  const dir = '/sys/class/thermal';
  let zones: string[];
  try {
    zones = (await readdir(dir)).filter((z) => z.startsWith('thermal_zone')).sort();
  } catch {
    return null;
  }
  for (const z of zones) {
    try {
      const milli = Number((await readFile(`${dir}/${z}/temp`, 'utf8')).trim());
      if (Number.isFinite(milli) && milli > -40_000 && milli < 150_000) return Math.round(milli / 100) / 10;
    } catch {
      // unreadable zone: try the next
    }
  }
  return null;
}

async function disk(path: string): Promise<HealthBody['disk']> {
  try {
    const s = await statfs(path);
    return { path, totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
  } catch {
    return null;
  }
}

/** Reads the system figures; `diskPath` is the filesystem that holds the terminal's data. */
export async function readSystemHealth(diskPath = '/'): Promise<SystemHealth> {
  const cores = availableParallelism();
  const [l1, l5, l15] = loadavg();
  const round = (x: number) => Math.round((x / cores) * 100) / 100;
  return {
    uptimeS: Math.round(uptime()),
    cpuLoad: [round(l1 ?? 0), round(l5 ?? 0), round(l15 ?? 0)],
    cpuTempC: await cpuTemperature(),
    memory: { totalBytes: totalmem(), freeBytes: freemem(), processRssBytes: process.memoryUsage.rss() },
    disk: await disk(diskPath),
  };
}
