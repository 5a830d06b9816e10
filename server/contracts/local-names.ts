/**
 * How a `.local` name the appliance answers for over mDNS is doing — shared by the mDNS service
 * (`server/mdns/`), which knows it, and the manager's domain API and the panel, which show it.
 */

/** The state of one `.local` name on the LAN. */
export interface LocalNameStatus {
  /** The name ("garden.local"). */
  name: string;
  /**
   * 'probing': checking that no other host answers for it (about a second);
   * 'announced': PiCloud answers for it with this machine's addresses;
   * 'conflict': another host on the LAN answers for it, so PiCloud does not.
   */
  state: 'probing' | 'announced' | 'conflict';
  /** For 'conflict': the address of the host answering for it. */
  conflictWith?: string;
  /** When it entered this state (ISO 8601). */
  since: string;
}

/** Reads the status of a claimed `.local` name: null when mDNS is off or the name is not announced. */
export type LocalNameLookup = (name: string) => LocalNameStatus | null;
