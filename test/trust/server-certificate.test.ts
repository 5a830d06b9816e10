/**
 * The node's certificate over time, with a fake clock: renewed well before it expires by one timer (not a
 * poll), re-issued when its names change or a connection arrives on an address it lacks, and refusing
 * nothing it cannot certify.
 */
import { X509Certificate } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CertificateAuthority, type CertificateNames } from '../../server/trust/certificate-authority.js';
import { RENEW_BEFORE_DAYS, ServerCertificate } from '../../server/trust/server-certificate.js';

const DAY = 86_400_000;

afterEach(() => {
  vi.useRealTimers();
});

async function setUp(names: CertificateNames) {
  const { ca } = await CertificateAuthority.create('pi');
  const logs: string[] = [];
  const current = { names };
  const certificate = new ServerCertificate({
    ca,
    names: () => current.names,
    log: (_level, message) => logs.push(message),
    now: () => new Date(Date.now()),
  });
  await certificate.start();
  return { ca, certificate, logs, current };
}

describe('the node certificate', () => {
  it('is renewed once, at its renewal date, by a timer that does not wake in between', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { certificate } = await setUp({ dns: ['pi.local'], ip: ['127.0.0.1'] });
    const first = certificate.current;
    const lifetimeDays = (first.notAfter.getTime() - first.notBefore.getTime()) / DAY;
    expect(lifetimeDays).toBeLessThanOrEqual(397.1);
    expect(certificate.renewsAt.getTime()).toBe(first.notAfter.getTime() - RENEW_BEFORE_DAYS * DAY);
    // One pending timer, whatever the date: the renewal's (re-armed every ≤ 24.8 days).
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(300 * DAY);
    expect(certificate.current).toBe(first);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(40 * DAY);
    await vi.waitFor(() => expect(certificate.current).not.toBe(first));
    const second = certificate.current;
    expect(second.notAfter.getTime()).toBeGreaterThan(first.notAfter.getTime());
    // Renewed with two months to spare.
    expect(first.notAfter.getTime() - Date.now()).toBeGreaterThan((RENEW_BEFORE_DAYS - 5) * DAY);
    expect(new X509Certificate(second.certificatePem).serialNumber).not.toBe(
      new X509Certificate(first.certificatePem).serialNumber,
    );
    certificate.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('is issued again when its names change, and not when they do not', async () => {
    const { certificate, current } = await setUp({ dns: ['pi.local'], ip: [] });
    const first = certificate.current;
    await certificate.namesChanged();
    expect(certificate.current).toBe(first);
    current.names = { dns: ['pi.local', 'garden.local'], ip: [] };
    // Bursts coalesce into one more issue.
    await Promise.all([certificate.namesChanged(), certificate.namesChanged(), certificate.namesChanged()]);
    expect(certificate.current.names.dns).toEqual(['pi.local', 'garden.local']);
    certificate.close();
  });

  it('covers a new private address at the first connection on it, and ignores public ones', async () => {
    const { certificate } = await setUp({ dns: ['pi.local'], ip: ['127.0.0.1'] });
    expect(certificate.beforeHandshake('127.0.0.1')).toBeNull();
    expect(certificate.beforeHandshake('8.8.8.8')).toBeNull();
    const waiting = certificate.beforeHandshake('::ffff:192.168.7.9');
    expect(waiting).not.toBeNull();
    await waiting;
    expect(certificate.current.names.ip).toContain('192.168.7.9');
    expect(certificate.beforeHandshake('192.168.7.9')).toBeNull();
    certificate.close();
  });

  it('logs the names it must leave out', async () => {
    const { certificate, logs, current } = await setUp({ dns: ['pi.local'], ip: [] });
    current.names = { dns: ['pi.local', 'www.example.com'], ip: [] };
    await certificate.namesChanged();
    expect(logs.join('\n')).toMatch(/leaves out www\.example\.com/);
    certificate.close();
  });
});
