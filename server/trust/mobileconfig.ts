/**
 * An Apple configuration profile (`.mobileconfig`, a property list) that installs the appliance CA as a
 * root certificate on iOS, iPadOS and macOS. Unsigned: the device shows it as "Not Verified", which is
 * why the trust page asks to compare the fingerprint. Its identifiers derive from the CA's fingerprint,
 * so downloading it again replaces the profile rather than adding a second one.
 */
import { createHash } from 'node:crypto';

/** A UUID (version-8 layout) derived from `seed`: stable for one CA. */
function stableUuid(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  const variant = ((Number.parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`.toUpperCase();
}

function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The profile for the CA certificate `der` with SHA-256 fingerprint `fingerprint`, named after `hostName`. */
export function caProfile(der: Buffer, fingerprint: string, hostName: string): string {
  const id = fingerprint.replace(/:/g, '').slice(0, 16).toLowerCase();
  const name = xmlText(`PiCloud CA (${hostName})`);
  const base64 = der.toString('base64').replace(/.{52}/g, '$&\n\t\t\t');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>PayloadContent</key>
	<array>
		<dict>
			<key>PayloadCertificateFileName</key>
			<string>picloud-ca.cer</string>
			<key>PayloadContent</key>
			<data>
			${base64}
			</data>
			<key>PayloadDescription</key>
			<string>Adds the PiCloud appliance's certificate authority, for HTTPS on the local network.</string>
			<key>PayloadDisplayName</key>
			<string>${name}</string>
			<key>PayloadIdentifier</key>
			<string>org.picloud.ca.${id}.certificate</string>
			<key>PayloadType</key>
			<string>com.apple.security.root</string>
			<key>PayloadUUID</key>
			<string>${stableUuid(`certificate ${fingerprint}`)}</string>
			<key>PayloadVersion</key>
			<integer>1</integer>
		</dict>
	</array>
	<key>PayloadDescription</key>
	<string>Trust the PiCloud appliance on your network (SHA-256 ${xmlText(fingerprint)}).</string>
	<key>PayloadDisplayName</key>
	<string>${name}</string>
	<key>PayloadIdentifier</key>
	<string>org.picloud.ca.${id}</string>
	<key>PayloadRemovalDisallowed</key>
	<false/>
	<key>PayloadType</key>
	<string>Configuration</string>
	<key>PayloadUUID</key>
	<string>${stableUuid(`profile ${fingerprint}`)}</string>
	<key>PayloadVersion</key>
	<integer>1</integer>
</dict>
</plist>
`;
}
