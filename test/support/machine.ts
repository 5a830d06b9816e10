/**
 * This machine as the tests see it: its first LAN address and its host name, to try what a device of
 * the LAN (or a page served on those names) would.
 */
import { hostname } from 'node:os';
import { currentMachineHosts } from '../../server/routing/machine-hosts.js';

/** The first non-loopback IPv4 address of this machine, if it has one. */
export const LAN_ADDRESS: string | undefined = [...currentMachineHosts().addresses].find(
  (address) => /^\d+\.\d+\.\d+\.\d+$/.test(address) && !address.startsWith('127.'),
);

/** This machine's host name, lower case. */
export const HOST_NAME = hostname().toLowerCase();
