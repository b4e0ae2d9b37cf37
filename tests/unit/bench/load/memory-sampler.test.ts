import { readRssBytes, vmRssBytes } from '../../../../bench/load/memory-sampler';

describe('vmRssBytes', () => {
  it('reads VmRSS (kB) from /proc/<pid>/status text as bytes', () => {
    const status = 'Name:\tnode\nVmPeak:\t 1200000 kB\nVmRSS:\t  262144 kB\nRssAnon:\t  200000 kB\n';
    expect(vmRssBytes(status)).toBe(262144 * 1024);
    expect(() => vmRssBytes('Name:\tnode\n')).toThrow(/no VmRSS/);
  });

  it('reads this process’s resident memory as the OS reports it', async () => {
    const rss = await readRssBytes(process.pid);
    // Sampled around the call: RSS moves, but within a few MiB of what Node itself reports.
    expect(Math.abs(rss - process.memoryUsage.rss())).toBeLessThan(64 * 1024 * 1024);
  });
});
