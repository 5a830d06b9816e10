/**
 * Host claims (server/routing/host-claim.ts): parsing and normalisation of claims, the host part of a
 * Host header, which claim covers which host, and the HostTable's most-specific-wins resolution.
 */
import { describe, expect, it } from 'vitest';
import { claimCovers, HostTable, hostFromHeader, parseHostClaim } from '../../server/routing/host-claim.js';

describe('parseHostClaim', () => {
  it.each([
    ['api.home.lan', 'api.home.lan', 'exact'],
    ['API.Home.LAN', 'api.home.lan', 'exact'],
    ['api.home.lan.', 'api.home.lan', 'exact'],
    ['  api.home.lan  ', 'api.home.lan', 'exact'],
    ['localhost', 'localhost', 'exact'],
    ['nas', 'nas', 'exact'],
    ['pi-4b.home-lab.lan', 'pi-4b.home-lab.lan', 'exact'],
    ['1pi.lan', '1pi.lan', 'exact'],
    ['123.lan', '123.lan', 'exact'],
    ['x1', 'x1', 'exact'],
    ['192.168.1.20', '192.168.1.20', 'exact'],
    ['0.0.0.0', '0.0.0.0', 'exact'],
    ['255.255.255.255', '255.255.255.255', 'exact'],
    [`${'a'.repeat(63)}.lan`, `${'a'.repeat(63)}.lan`, 'exact'],
    [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`, null, 'exact'],
    ['*.home.lan', '*.home.lan', 'wildcard'],
    ['*.HOME.Lan.', '*.home.lan', 'wildcard'],
    ['*.lan', '*.lan', 'wildcard'],
    ['*.devices.home.lan', '*.devices.home.lan', 'wildcard'],
    ['*.pi-4b.lan', '*.pi-4b.lan', 'wildcard'],
  ] as const)('%j is a valid claim', (input, pattern, kind) => {
    const expected = pattern ?? input.trim().toLowerCase();
    expect(parseHostClaim(input)).toEqual({ pattern: expected, kind, shapeKey: expected });
  });

  it.each([
    ['', /required/],
    ['   ', /required/],
    ['.', /required/],
    ['api.home.lan:8080', /port/],
    ['http://api.home.lan', /scheme/],
    ['api.home.lan/admin', /path/],
    ['[::1]', /port/],
    ['fe80::1', /port/],
    ['api.*.lan', /start with "\*\."/],
    ['api*.home.lan', /start with "\*\."/],
    ['home.*', /start with "\*\."/],
    ['*', /start with "\*\."/],
    ['**.lan', /start with "\*\."/],
    ['*.*.lan', /only one leading/],
    ['*.lan.*', /only one leading/],
    ['*.', /start with "\*\."/],
    ['*..lan', /not a valid host name/],
    ['*.192.168.1.20', /not a valid host name/],
    ['*.1.20', /not a valid host name/],
    ['*.20', /not a valid host name/],
    ['*.-x.lan', /not a valid host name/],
    ['192.168.1.256', /not a valid host name or IPv4/],
    ['192.168.001.020', /not a valid host name or IPv4/],
    ['1.2.3', /not a valid host name or IPv4/],
    ['1.2.3.4.5', /not a valid host name or IPv4/],
    ['pi.123', /not a valid host name or IPv4/],
    ['42', /not a valid host name or IPv4/],
    ['api..home.lan', /not a valid host name/],
    ['.home.lan', /not a valid host name/],
    ['-api.home.lan', /not a valid host name/],
    ['api-.home.lan', /not a valid host name/],
    ['my_api.home.lan', /not a valid host name/],
    ['café.lan', /not a valid host name/],
    ['api home.lan', /not a valid host name/],
    ['api.home.lan..', /not a valid host name/],
    [`${'a'.repeat(64)}.lan`, /not a valid host name/],
    [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`, /not a valid host name/],
  ])('%j is refused (%s)', (input, reason) => {
    const result = parseHostClaim(input);
    expect(result).toEqual({ error: expect.stringMatching(reason) });
  });

  it('gives equal shape keys to spellings of one claim, distinct keys to different claims', () => {
    const key = (input: string) => (parseHostClaim(input) as { shapeKey: string }).shapeKey;
    expect(new Set(['api.home.lan', 'API.home.lan', 'api.home.lan.', ' Api.Home.Lan. '].map(key)).size).toBe(
      1,
    );
    expect(new Set(['*.home.lan', '*.HOME.LAN.'].map(key)).size).toBe(1);
    expect(new Set(['home.lan', '*.home.lan', 'x.home.lan', '*.x.home.lan'].map(key)).size).toBe(4);
  });
});

describe('hostFromHeader', () => {
  it.each([
    ['api.home.lan', 'api.home.lan'],
    ['API.Home.LAN', 'api.home.lan'],
    ['api.home.lan:8080', 'api.home.lan'],
    ['api.home.lan:', 'api.home.lan'],
    ['api.home.lan.', 'api.home.lan'],
    ['api.home.lan.:443', 'api.home.lan'],
    ['  api.home.lan  ', 'api.home.lan'],
    ['localhost:8080', 'localhost'],
    ['192.168.1.20', '192.168.1.20'],
    ['192.168.1.20:8080', '192.168.1.20'],
    ['[::1]', '[::1]'],
    ['[::1]:8080', '[::1]'],
    ['[FE80::1]:80', '[fe80::1]'],
    ['[2001:db8::8a2e:370:7334]', '[2001:db8::8a2e:370:7334]'],
    ['[::ffff:192.168.1.20]:8080', '[::ffff:192.168.1.20]'],
  ])('%j → %j', (header, host) => {
    expect(hostFromHeader(header)).toBe(host);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['only spaces', '   '],
    ['only a port', ':8080'],
    ['two ports', 'api.home.lan:80:90'],
    ['a word for a port', 'api.home.lan:http'],
    ['a space inside', 'api home.lan'],
    ['an underscore', 'my_api.lan'],
    ['user info', 'user@api.home.lan'],
    ['a path', 'api.home.lan/x'],
    ['a wildcard', '*.home.lan'],
    ['non-ASCII', 'café.lan'],
    ['a bare IPv6 address', '::1'],
    ['an unclosed IPv6 literal', '[::1'],
    ['empty brackets', '[]'],
    ['brackets around a name', '[api.home.lan]'],
    ['text after an IPv6 literal', '[::1]junk'],
    ['a word for the port of an IPv6 literal', '[::1]:http'],
  ])('%s is not a host', (_label, header) => {
    expect(hostFromHeader(header)).toBeNull();
  });
});

describe('claimCovers', () => {
  const exact = { pattern: 'api.home.lan', kind: 'exact' } as const;
  const wildcard = { pattern: '*.home.lan', kind: 'wildcard' } as const;

  it.each([
    [exact, 'api.home.lan', true],
    [exact, 'x.api.home.lan', false],
    [exact, 'home.lan', false],
    [exact, 'api.home.lan.evil', false],
    [wildcard, 'api.home.lan', true],
    [wildcard, 'a.b.home.lan', true],
    [wildcard, 'x-1.home.lan', true],
    [wildcard, 'home.lan', false],
    [wildcard, '.home.lan', false],
    [wildcard, 'xhome.lan', false],
    [wildcard, 'api.home.lan.evil', false],
    [wildcard, 'api.home.la', false],
    [{ pattern: '*.lan', kind: 'wildcard' } as const, 'a.b.c.lan', true],
    [{ pattern: '192.168.1.20', kind: 'exact' } as const, '192.168.1.20', true],
  ])('%o covers %j: %s', (claim, host, covered) => {
    expect(claimCovers(claim, host)).toBe(covered);
  });
});

describe('HostTable', () => {
  /** A table of claims → owner names. */
  function table(claims: Record<string, string>): HostTable<string> {
    const hosts = new HostTable<string>();
    for (const [input, owner] of Object.entries(claims)) {
      const claim = parseHostClaim(input);
      if ('error' in claim) throw new Error(claim.error);
      hosts.add(claim, owner);
    }
    return hosts;
  }
  const claims = {
    '*.home.lan': 'home',
    '*.dev.home.lan': 'dev',
    'dev.home.lan': 'dev-exact',
    'api.dev.home.lan': 'api',
    '*.lan': 'lan',
    localhost: 'default',
    '192.168.1.20': 'by-ip',
  };

  it.each([
    ['api.dev.home.lan', 'api', 'an exact claim beats every wildcard'],
    ['dev.home.lan', 'dev-exact', 'an exact claim beats a wildcard covering it'],
    ['x.dev.home.lan', 'dev', 'the longer wildcard suffix wins'],
    ['a.b.dev.home.lan', 'dev', 'a wildcard covers several labels'],
    ['x.api.dev.home.lan', 'dev', 'an exact claim does not cover names below it'],
    ['nas.home.lan', 'home', 'the shorter wildcard covers the rest'],
    ['home.lan', 'lan', 'a wildcard does not cover its own suffix'],
    ['other.lan', 'lan', 'the shortest wildcard catches what is left'],
    ['localhost', 'default', 'a single-label exact claim'],
    ['192.168.1.20', 'by-ip', 'an IPv4 claim'],
  ])('%s → %s (%s)', (host, owner) => {
    expect(table(claims).resolve(host)).toBe(owner);
  });

  it.each(['lan', 'example.com', 'home.lan.evil', '192.168.1.21', 'localhost.localdomain', ''])(
    '%j has no owner',
    (host) => {
      expect(table(claims).resolve(host)).toBeUndefined();
    },
  );

  it('does not care in which order claims are added', () => {
    const entries = Object.entries(claims);
    const reversed = table(Object.fromEntries([...entries].reverse()));
    for (const host of ['api.dev.home.lan', 'dev.home.lan', 'x.dev.home.lan', 'nas.home.lan', 'home.lan']) {
      expect(reversed.resolve(host)).toBe(table(claims).resolve(host));
    }
  });

  it('a later claim of the same shape replaces the earlier owner', () => {
    const hosts = table({ '*.home.lan': 'first' });
    hosts.add({ pattern: '*.home.lan', kind: 'wildcard' }, 'second');
    expect(hosts.resolve('x.home.lan')).toBe('second');
  });

  it('keeps falsy owners', () => {
    const hosts = new HostTable<number>();
    hosts.add({ pattern: 'zero.lan', kind: 'exact' }, 0);
    hosts.add({ pattern: '*.zero.lan', kind: 'wildcard' }, 0);
    expect(hosts.resolve('zero.lan')).toBe(0);
    expect(hosts.resolve('a.zero.lan')).toBe(0);
  });

  it('agrees with claimCovers: the owner is that of the most specific covering claim', () => {
    // A deterministic pseudo-random sample of claims and hosts over a small alphabet of labels.
    let seed = 42;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    const labels = ['a', 'b', 'c', 'lan'];
    const name = (length: number) => Array.from({ length }, () => labels[next() % labels.length]).join('.');
    for (let round = 0; round < 50; round++) {
      const hosts = new HostTable<string>();
      const added = new Map<string, { pattern: string; kind: 'exact' | 'wildcard' }>();
      for (let i = 0; i < 6; i++) {
        const wildcard = next() % 2 === 0;
        const pattern = `${wildcard ? '*.' : ''}${name(1 + (next() % 3))}`;
        const claim = { pattern, kind: wildcard ? ('wildcard' as const) : ('exact' as const) };
        hosts.add(claim, pattern);
        added.set(pattern, claim);
      }
      for (let i = 0; i < 20; i++) {
        const host = name(1 + (next() % 4));
        const covering = [...added.values()].filter((claim) => claimCovers(claim, host));
        // Most specific: an exact claim, else the longest wildcard.
        covering.sort(
          (x, y) =>
            (x.kind === 'exact' ? 0 : 1) - (y.kind === 'exact' ? 0 : 1) ||
            y.pattern.length - x.pattern.length,
        );
        expect(hosts.resolve(host), `${host} among ${[...added.keys()].join(' ')}`).toBe(
          covering[0]?.pattern,
        );
      }
    }
  });
});
