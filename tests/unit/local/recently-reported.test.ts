import { RecentlyReported } from '../../../local/watcher';

describe('RecentlyReported', () => {
  it('reports a version once within the TTL and a changed version again', () => {
    let now = 0;
    const reported = new RecentlyReported(1000, () => now);

    expect(reported.offer('a.md', 'e1')).toBe(true);
    expect(reported.offer('a.md', 'e1')).toBe(false);
    expect(reported.offer('a.md', 'e2')).toBe(true);
    now = 500;
    expect(reported.offer('a.md', 'e2')).toBe(false);
  });

  it('reports the same version again once the TTL has passed, and forgets expired entries', () => {
    let now = 0;
    const reported = new RecentlyReported(1000, () => now);
    reported.offer('a.md', 'e1');
    reported.offer('b.md', 'e1');

    now = 1500;

    expect(reported.offer('a.md', 'e1')).toBe(true);
    expect(reported.size).toBe(1);
  });

  it('reports a version again after its key was deleted', () => {
    const reported = new RecentlyReported(60_000, () => 0);
    reported.offer('a.md', 'e1');

    reported.forget('a.md');

    expect(reported.offer('a.md', 'e1')).toBe(true);
  });
});
