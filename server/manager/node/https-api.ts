/**
 * `/api/v1/admin/node/https`: this node's HTTPS — its URLs, the appliance CA's fingerprint and trust
 * page — and the owner's HTTPS-only switch for the panel.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { HttpsSetting } from './https-setting.js';

/** What the running appliance knows about its HTTPS (known once it listens). */
export interface HttpsInfo {
  /** The panel over HTTPS: this machine's URL, then the LAN's. */
  panelUrls: string[];
  /** The endpoints over HTTPS: this machine's URL, then the LAN's. */
  endpointUrls: string[];
  /** The trust page's URL (plain HTTP, on the panel's port). */
  trustUrl: string;
  /** The appliance CA's SHA-256 fingerprint. */
  fingerprint: string;
}

const HttpsView = Type.Object({
  https_only: Type.Boolean({
    description:
      "true: the panel's plain-HTTP port redirects browsers to HTTPS (not the machine itself, not /trust)",
  }),
  ca_fingerprint: Type.String({ description: "the appliance CA's SHA-256 fingerprint, AB:CD:…" }),
  trust_url: Type.String({ description: 'the trust page: the CA, an iOS/macOS profile, steps per platform' }),
  panel_urls: Type.Array(Type.String()),
  endpoint_urls: Type.Array(Type.String()),
});

/** Registers the routes. */
export function httpsApi(setting: HttpsSetting, info: () => HttpsInfo | null): FastifyPluginAsyncTypebox {
  const view = () => {
    const known = info();
    return {
      https_only: setting.httpsOnly,
      ca_fingerprint: known?.fingerprint ?? '',
      trust_url: known?.trustUrl ?? '',
      panel_urls: known?.panelUrls ?? [],
      endpoint_urls: known?.endpointUrls ?? [],
    };
  };
  return async (app) => {
    app.get(
      '/admin/node/https',
      {
        config: { access: { scope: 'logs:read' } },
        schema: {
          tags: ['node'],
          summary: "This node's HTTPS: URLs, the CA's fingerprint, the trust page, the HTTPS-only switch",
          response: { 200: HttpsView },
        },
      },
      async () => view(),
    );
    app.put(
      '/admin/node/https',
      {
        config: { access: { scope: 'admin' } },
        schema: {
          tags: ['node'],
          summary: "Turns the panel's HTTPS-only mode on or off",
          body: Type.Object({ https_only: Type.Boolean() }, { additionalProperties: false }),
          response: { 200: HttpsView },
        },
      },
      async (request) => {
        await setting.set(request.body.https_only);
        return view();
      },
    );
  };
}
