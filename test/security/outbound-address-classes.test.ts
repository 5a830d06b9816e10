/**
 * Outbound HTTP reaches only globally routable addresses unless the app's allow-list names an address
 * or CIDR covering the target: the address classes come from ipaddr.js, and IPv6 forms that carry an
 * IPv4 address (mapped, SIIT, NAT64 64:ff9b::/96, 6to4, IPv4-compatible) are judged by the address they
 * carry. Checked at unit level (classification and HostPolicy) and through the real path of a script's
 * `http::get` on a running appliance, with a listener on 127.0.0.1 that must never be reached.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyAddress } from '../../server/outbound/address-class.js';
import { HostPolicy, isProtectedAddress } from '../../server/outbound/host-policy.js';
import { startTestAppliance, type TestAppliance } from '../support/appliance.js';
import { requestWithHost } from '../support/http.js';

/** Addresses no app reaches by default: [address, the range that decides, the IPv4 address carried]. */
const REFUSED: [string, string, string | null][] = [
  ['127.0.0.1', 'loopback', null],
  ['0.0.0.0', 'unspecified', null],
  ['10.1.2.3', 'private', null],
  ['192.168.1.20', 'private', null],
  ['100.100.100.200', 'carrierGradeNat', null], // Alibaba Cloud's metadata service
  ['169.254.169.254', 'linkLocal', null],
  ['224.0.0.1', 'multicast', null],
  ['255.255.255.255', 'broadcast', null],
  ['192.0.2.1', 'reserved', null],
  ['::1', 'loopback', null],
  ['::', 'unspecified', null],
  ['fe80::1', 'linkLocal', null],
  ['fd00:ec2::254', 'uniqueLocal', null], // AWS's IPv6 metadata service
  ['ff02::1', 'multicast', null],
  ['2001:db8::1', 'reserved', null],
  ['2001::1', 'teredo', null],
  ['::ffff:127.0.0.1', 'loopback', '127.0.0.1'], // IPv4-mapped
  ['::ffff:169.254.169.254', 'linkLocal', '169.254.169.254'],
  ['::ffff:0:7f00:1', 'loopback', '127.0.0.1'], // SIIT
  ['64:ff9b::7f00:1', 'loopback', '127.0.0.1'], // NAT64 embedding loopback
  ['64:ff9b::a9fe:a9fe', 'linkLocal', '169.254.169.254'], // NAT64 embedding link-local
  ['64:ff9b::127.0.0.1', 'loopback', '127.0.0.1'],
  ['64:ff9b:1::808:808', 'reserved', null], // NAT64 for local use: never global
  ['::7f00:1', 'loopback', '127.0.0.1'], // IPv4-compatible
  ['::127.0.0.1', 'loopback', '127.0.0.1'], // the same, written with a dotted quad
  ['2002:7f00:1::1', 'loopback', '127.0.0.1'], // 6to4
  ['2002:a9fe:a9fe::', 'linkLocal', '169.254.169.254'],
];
const GLOBAL: [string, string | null][] = [
  ['93.184.216.34', null],
  ['2606:4700::1111', null],
  ['::ffff:8.8.8.8', '8.8.8.8'],
  ['64:ff9b::808:808', '8.8.8.8'],
  ['2002:808:808::1', '8.8.8.8'],
];

describe('classifyAddress', () => {
  it.each(REFUSED)('%s is not global (%s)', (address, range, embedded) => {
    expect(classifyAddress(address)).toEqual({ global: false, range, embedded });
    expect(isProtectedAddress(address)).toBe(true);
  });

  it.each(GLOBAL)('%s is global', (address, embedded) => {
    expect(classifyAddress(address)).toEqual({ global: true, range: 'unicast', embedded });
    expect(isProtectedAddress(address)).toBe(false);
  });
});

describe('HostPolicy', () => {
  it.each(REFUSED)('refuses %s with an empty list, as a URL literal and as a DNS answer', (address) => {
    const policy = new HostPolicy([]);
    expect(policy.checkHost(address).allowed).toBe(true);
    const decision = policy.checkAddress(address);
    expect(decision.allowed).toBe(false);
    expect(decision).toMatchObject({ why: expect.stringMatching(/no address or CIDR entry/) });
  });

  it('lets an address or CIDR entry reach what it covers, in any form that carries it', () => {
    const policy = new HostPolicy(['127.0.0.1', '192.168.1.0/24', 'fd00:ec2::254']);
    for (const address of [
      '127.0.0.1',
      '::ffff:127.0.0.1',
      '64:ff9b::7f00:1',
      '::7f00:1',
      '2002:7f00:1::1',
    ]) {
      expect(policy.checkAddress(address).allowed, address).toBe(true);
    }
    expect(policy.checkAddress('192.168.1.20').allowed).toBe(true);
    expect(policy.checkAddress('fd00:ec2::254').allowed).toBe(true);
    // Not covered: another private address, loopback other than the one listed.
    expect(policy.checkAddress('192.168.2.1').allowed).toBe(false);
    expect(policy.checkAddress('127.0.0.2').allowed).toBe(false);
    expect(policy.checkAddress('::1').allowed).toBe(false);
  });

  it('refuses a listed name that resolves to a protected address', () => {
    const policy = new HostPolicy(['nas.lan']);
    expect(policy.checkHost('nas.lan').allowed).toBe(true);
    expect(policy.checkAddress('192.168.1.20').allowed).toBe(false);
    expect(policy.checkAddress('64:ff9b::a9fe:a9fe').allowed).toBe(false);
  });
});

describe("through a script's http::get on a running appliance", () => {
  let pc: TestAppliance;
  let port = 0;
  let hits = 0;
  const listener = createServer((_request, response) => {
    hits += 1;
    response.end('reached');
  });

  beforeAll(async () => {
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    port = (listener.address() as AddressInfo).port;
    pc = await startTestAppliance();
    const api = async (path: string, body: unknown) => {
      const response = await pc.api('POST', `/api/v1/admin${path}`, body);
      expect(response.status, JSON.stringify(response.body)).toBe(201);
    };
    await api('/apps', { slug: 'fetcher', name: 'Fetcher' });
    await api('/apps/fetcher/domains', { pattern: 'fetcher.lan' });
    await api('/scripts', {
      app: 'fetcher',
      name: 'fetch',
      source: `let result = #{};
               try { result = #{ reached: http::get(ctx.body.url).body }; }
               catch (e) { result = #{ reason: e.reason, message: e.message }; }
               result`,
    });
    await api('/apps/fetcher/routes', { script: 'fetch', methods: ['POST'], path: '/fetch' });
    await sleep(100);
  });
  afterAll(async () => {
    await pc?.stop();
    listener.close();
  });

  const fetchThrough = async (url: string) => {
    const response = await requestWithHost(`${pc.baseUrl}/fetch`, 'fetcher.lan', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url }),
    });
    expect(response.status, response.text).toBe(200);
    return response.json();
  };

  it.each([
    'http://[fd00:ec2::254]/latest/meta-data/',
    'http://100.100.100.200/latest/meta-data/',
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.1/',
    'http://[64:ff9b::7f00:1]:PORT/',
    'http://[64:ff9b::a9fe:a9fe]/',
    'http://[::7f00:1]:PORT/',
    'http://[::127.0.0.1]:PORT/',
    'http://[2002:7f00:1::1]:PORT/',
    'http://[::ffff:127.0.0.1]:PORT/',
    'http://[::ffff:7f00:1]:PORT/',
    'http://127.0.0.1:PORT/',
    'http://2130706433:PORT/',
    'http://localhost:PORT/',
  ])('refuses %s with HTTP_HOST_NOT_ALLOWED and never connects', async (template) => {
    const before = hits;
    const answer = await fetchThrough(template.replace('PORT', String(port)));
    expect(answer).toMatchObject({ reason: 'HTTP_HOST_NOT_ALLOWED' });
    expect(hits).toBe(before);
  });

  it('reaches the listener once the app lists 127.0.0.1, through the mapped form too', async () => {
    const patched = await pc.api('PATCH', '/api/v1/admin/apps/fetcher', { http_allow_hosts: ['127.0.0.1'] });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    await sleep(50);
    expect(await fetchThrough(`http://127.0.0.1:${port}/`)).toEqual({ reached: 'reached' });
    expect(await fetchThrough(`http://[::ffff:127.0.0.1]:${port}/`)).toEqual({ reached: 'reached' });
  });
});
