/**
 * Where a request comes from, for the decisions that depend on it: set-up without a code is allowed
 * only to someone sitting at the machine.
 */
import { isIP } from 'node:net';

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const bare = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}

/** Host names that only ever mean this machine. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * True when the request both comes from this machine and addresses it by a loopback name. The second
 * half defeats DNS rebinding: a web page whose name resolves to 127.0.0.1 still sends its own Host.
 */
export function isLocalRequest(request: { ip: string; headers: { host?: string } }): boolean {
  if (!isLoopbackAddress(request.ip)) return false;
  const host = (request.headers.host ?? '').toLowerCase();
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  return LOOPBACK_HOSTS.has(name) || name.endsWith('.localhost');
}
