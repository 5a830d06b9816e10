/**
 * A token limited to one app learns nothing of the other apps from a refusal (issue 13, item 12): an
 * import of another app's module is "unknown", a host or slug another app holds is "taken" — without
 * the other app's id or slug — while an unrestricted caller still gets the helpful names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManagerTestServer, type ManagerTestServer } from '../support/manager-server.js';

let t: ManagerTestServer;
let limited: Record<string, string>;
let secretApp: { id: string; slug: string };
beforeAll(async () => {
  t = await createManagerTestServer();
  secretApp = await t.createApp('payroll-secret');
  await t.createScript('payroll-secret', 'salaries', { kind: 'module', source: 'fn total() { 42 }' });
  await t.addDomain('payroll-secret', 'payroll.home.lan');
  await t.request('PATCH', '/admin/apps/payroll-secret', { slug: 'hr-secret' });
  const mine = await t.createApp('mine');
  await t.createScript('mine', 'main');
  limited = {
    authorization: `Bearer ${await t.createToken(['apps:write', 'scripts:read', 'scripts:write'], { appId: mine.id })}`,
  };
});
afterAll(async () => {
  await t?.close();
});

describe('to a token limited to another app', () => {
  it('scripts:check says a module of another app is unknown', async () => {
    const response = await t.request(
      'POST',
      '/admin/scripts:check',
      { app: 'mine', source: 'import "salaries" as s;\ns::total()' },
      limited,
    );
    expect(response.status, response.text).toBe(200);
    expect(response.body.diagnostics).toEqual([
      expect.objectContaining({ kind: 'ImportUnknown', line: 1, column: 1 }),
    ]);
    expect(response.text).not.toMatch(/another app/);
    // The same as a module no app has.
    const missing = await t.request(
      'POST',
      '/admin/scripts:check',
      { app: 'mine', source: 'import "nothing_here" as s;\ns::total()' },
      limited,
    );
    expect(missing.body.diagnostics[0].kind).toBe('ImportUnknown');
  });

  it('saving such an import says the same', async () => {
    const script = (await t.request('GET', '/admin/scripts?app=mine')).body.items[0];
    const response = await t.request(
      'PATCH',
      `/admin/scripts/${script.id}`,
      { source: 'import "salaries" as s;\ns::total()' },
      limited,
    );
    expect(response.status).toBe(422);
    expect(response.body.error.message).toMatch(/the app has no module named "salaries"/);
    expect(response.text).not.toMatch(/another app/);
  });

  it('DOMAIN_TAKEN does not name the holder', async () => {
    const response = await t.request(
      'POST',
      '/admin/apps/mine/domains',
      { pattern: 'payroll.home.lan' },
      limited,
    );
    expect(response.status).toBe(409);
    expect(response.body.error).toEqual({
      code: 'PICLOUD_ERR_DOMAIN_TAKEN',
      message: '"payroll.home.lan" is already claimed by another app',
    });
  });

  it.each(['hr-secret', 'payroll-secret'])(
    'slug:check says %s is taken, without naming the app',
    async (slug) => {
      const response = await t.request('POST', '/admin/apps/mine/slug:check', { slug }, limited);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ slug, available: false, conflict: { reason: 'taken' } });
    },
  );

  it.each(['hr-secret', 'payroll-secret'])(
    'a rename to %s is refused as taken, force or not',
    async (slug) => {
      for (const force of [false, true]) {
        const response = await t.request('PATCH', '/admin/apps/mine', { slug, force }, limited);
        expect(response.status).toBe(409);
        expect(response.body.error).toEqual({
          code: 'PICLOUD_ERR_APP_SLUG_TAKEN',
          message: `The slug "${slug}" is used by another app`,
          details: { reason: 'taken' },
        });
      }
      // The retired slug still redirects to its app.
      expect((await t.request('GET', '/admin/apps/payroll-secret')).status).toBe(308);
    },
  );
});

describe('to the owner (controls)', () => {
  it('names the other app where it helps', async () => {
    const check = await t.request('POST', '/admin/scripts:check', {
      app: 'mine',
      source: 'import "salaries" as s;\ns::total()',
    });
    expect(check.body.diagnostics[0].kind).toBe('ImportForeign');
    const domain = await t.request('POST', '/admin/apps/mine/domains', { pattern: 'payroll.home.lan' });
    expect(domain.body.error.details).toEqual({ app: { id: secretApp.id, slug: 'hr-secret' } });
    const slug = await t.request('POST', '/admin/apps/mine/slug:check', { slug: 'payroll-secret' });
    expect(slug.body.conflict).toEqual({ reason: 'retired', app: { id: secretApp.id, slug: 'hr-secret' } });
  });
});
