/**
 * Trigger files export their handlers by name (the Azure Functions quickstart pattern: export the
 * handler, register it beside), so a handler runs in a test as the host would call it: with an
 * HttpRequest and an InvocationContext from @azure/functions, without the registry or a host.
 */
import { HttpRequest, InvocationContext } from '@azure/functions';
import { listFunctions } from '../../functions/registry';
import * as adminSender from '../../functions/adminSender';
import * as senders from '../../functions/senders';
import { settingsErrorHint, settingsPage } from '../../functions/settingsPage';
import { ERROR_CODES } from '@shared/errors';

const context = () => new InvocationContext({ functionName: 'test' });
const get = (url: string, params: Record<string, string> = {}, headers: Record<string, string> = {}) =>
  new HttpRequest({ method: 'GET', url, params, headers });

describe('exported handlers', () => {
  it('settingsErrorHint answers the registry hint of a code, and 404 NOT_FOUND for anything else', async () => {
    const known = await settingsErrorHint(
      get('http://localhost/api/settings/errors/MS_SECRET_INVALID', { code: 'MS_SECRET_INVALID' }),
      context(),
    );
    expect(known).toMatchObject({ status: 200, jsonBody: { code: 'MS_SECRET_INVALID', hint: ERROR_CODES.MS_SECRET_INVALID.hint } });
    const unknown = await settingsErrorHint(get('http://localhost/api/settings/errors/nope', { code: 'nope' }), context());
    expect(unknown).toMatchObject({ status: 404, jsonBody: { error: { code: 'NOT_FOUND' } } });
  });

  it('settingsPage serves the bundled script (built from shared/adminLinks/page/client)', async () => {
    const answer = await settingsPage(get('http://localhost/api/settings/app.js', { asset: 'app.js' }), context());
    expect(answer.status).toBe(200);
    expect(answer.headers).toMatchObject({ 'Content-Type': 'text/javascript; charset=utf-8' });
    expect(String(answer.body)).toContain('org-mailer.admin-token');
  });

  it('the settings page API refuses a request without the admin token: 401 ADMIN_LINK_INVALID', async () => {
    const answer = await adminSender.adminSender(get('http://localhost/api/manage/sender'), context());
    expect(answer).toMatchObject({ status: 401, jsonBody: { error: { code: 'ADMIN_LINK_INVALID' } } });
  });

  it('a bad org id is a 400 with the field named, before anything is read', async () => {
    const answer = await senders.sender(get('http://localhost/api/orgs/NOT_OK/sender', { orgId: 'NOT_OK' }), context());
    expect(answer).toMatchObject({ status: 400 });
  });

  it('each registered function is the handler its file exports under the same name', () => {
    const modules: Record<string, unknown> = { ...adminSender, ...senders, settingsErrorHint, settingsPage };
    const checked = listFunctions().filter((d) => d.name in modules);
    expect(checked.length).toBeGreaterThanOrEqual(8);
    for (const definition of checked) expect(definition.handler).toBe(modules[definition.name]);
  });
});
