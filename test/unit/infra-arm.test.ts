/**
 * The ARM dry run the infra tests rely on (test/support/infra-arm.ts), on small hand-written
 * templates: if it evaluated an expression wrongly, the infra tests would check the wrong values.
 */
import { dryRun, runtime, SUBSCRIPTION_ID } from '../support/infra-arm';

const template = (body: Record<string, unknown>) => ({
  $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
  contentVersion: '1.0.0.0',
  ...body,
});

describe('infra dry run of a compiled template', () => {
  it('evaluates parameters, defaults, variables, format with escaped quotes, and literal [[ strings', () => {
    const result = dryRun(
      template({
        parameters: { name: { type: 'string' }, count: { type: 'int', defaultValue: 2 } },
        variables: { greeting: "[format('it''s {0} x{1}', parameters('name'), parameters('count'))]" },
        outputs: {
          greeting: { type: 'string', value: "[variables('greeting')]" },
          literal: { type: 'string', value: '[[not an expression]' },
        },
      }),
      { name: 'mailer' },
    );
    expect(result.outputs).toEqual({ greeting: "it's mailer x2", literal: '[not an expression]' });
  });

  it('takes only the chosen branch of if(), and drops resources whose condition is false', () => {
    const t = template({
      parameters: { on: { type: 'bool' } },
      resources: [
        {
          condition: "[parameters('on')]",
          type: 'Microsoft.Insights/actionGroups',
          apiVersion: '2023-01-01',
          name: 'group',
          properties: {},
        },
        // The false branch would throw (no such parameter) if it were evaluated.
        {
          type: 'Microsoft.Web/sites',
          apiVersion: '2025-03-01',
          name: 'site',
          properties: { x: "[if(parameters('on'), 'yes', parameters('missing'))]" },
        },
      ],
    });
    expect(dryRun(t, { on: true }).resources.map((r) => r.type)).toEqual(['Microsoft.Insights/actionGroups', 'Microsoft.Web/sites']);
    expect(() => dryRun(t, { on: false })).toThrow(/parameter missing has no value/);
  });

  it('expands resource and property copy loops, and union() merges objects recursively', () => {
    const result = dryRun(
      template({
        parameters: { names: { type: 'array', defaultValue: ['a', 'b'] } },
        resources: [
          {
            copy: { name: 'loop', count: "[length(parameters('names'))]" },
            type: 'Microsoft.Storage/storageAccounts/queueServices/queues',
            apiVersion: '2026-09-01',
            name: "[format('st/default/{0}', parameters('names')[copyIndex()])]",
            properties: {
              copy: [{ name: 'items', count: 2, input: "[copyIndex('items', 1)]" }],
              merged: "[union(createObject('a', createObject('x', 1)), createObject('a', createObject('y', 2)))]",
            },
          },
        ],
      }),
      {},
    );
    expect(result.resources.map((r) => r.name)).toEqual(['st/default/a', 'st/default/b']);
    expect(result.resources[0].id).toBe(
      `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Storage/storageAccounts/st/queueServices/default/queues/a`,
    );
    expect(result.resources[0].properties).toEqual({ items: [1, 2], merged: { a: { x: 1, y: 2 } } });
  });

  it('descends into nested deployments, passes parameters and reads their outputs; runtime values stay symbolic', () => {
    const inner = template({
      parameters: { vault: { type: 'string' } },
      resources: [{ type: 'Microsoft.KeyVault/vaults', apiVersion: '2026-05-15', name: "[parameters('vault')]", properties: {} }],
      outputs: {
        uri: { type: 'string', value: "[reference(resourceId('Microsoft.KeyVault/vaults', parameters('vault')), '2026-05-15').vaultUri]" },
      },
    });
    const result = dryRun(
      template({
        languageVersion: '2.0',
        resources: {
          kv: {
            type: 'Microsoft.Resources/deployments',
            apiVersion: '2025-04-01',
            name: 'kv',
            resourceGroup: 'rg-x',
            properties: { parameters: { vault: { value: 'kv-1' } }, template: inner },
          },
        },
        outputs: { secret: { type: 'string', value: "[format('{0}secrets/a/', reference('kv').outputs.uri.value)]" } },
      }),
      {},
    );
    const vaultId = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-x/providers/Microsoft.KeyVault/vaults/kv-1`;
    expect(result.resources.map((r) => [r.deployment, r.id])).toEqual([['kv', vaultId]]);
    expect(result.outputs.secret).toBe(`${runtime(vaultId, 'vaultUri')}secrets/a/`);
  });

  it('refuses what it cannot evaluate: an unknown function, a decision on a runtime value', () => {
    expect(() => dryRun(template({ outputs: { x: { type: 'string', value: "[base64('a')]" } } }), {})).toThrow(
      /base64\(\) is not supported/,
    );
    expect(() =>
      dryRun(
        template({
          outputs: {
            x: { type: 'bool', value: "[empty(reference(resourceId('Microsoft.Web/sites', 'a'), '2025-03-01').defaultHostName)]" },
          },
        }),
        {},
      ),
    ).toThrow(/not known before deployment/);
  });
});
