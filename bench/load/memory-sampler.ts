import { readFile } from 'node:fs/promises';
import type { MemorySample } from './load-checks';

/**
 * The service's resident memory, read from outside its process (/proc/<pid>/status, Linux) once a second:
 * a sample is taken even while the service's event loop is busy, which an IPC request would not be.
 */
export function vmRssBytes(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error('no VmRSS line in /proc/<pid>/status');
  return Number(match[1]) * 1024;
}

export async function readRssBytes(pid: number): Promise<number> {
  return vmRssBytes(await readFile(`/proc/${pid}/status`, 'utf8'));
}

export class MemorySampler {
  readonly samples: MemorySample[] = [];
  private timer?: NodeJS.Timeout;
  private origin = performance.now();

  constructor(private readonly pid: number) {}

  /** Samples from now on are timed from this moment (the load's start). */
  markStart(): void {
    const now = performance.now();
    const shift = (now - this.origin) / 1000;
    for (const sample of this.samples) sample.atSeconds -= shift;
    this.origin = now;
  }

  async sample(): Promise<MemorySample> {
    const sample = { atSeconds: (performance.now() - this.origin) / 1000, rssBytes: await readRssBytes(this.pid) };
    this.samples.push(sample);
    return sample;
  }

  start(intervalMs = 1000): void {
    this.timer = setInterval(() => void this.sample().catch(() => undefined), intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
