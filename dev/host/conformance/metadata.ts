/**
 * The function metadata the Azure Functions host receives for a definition: what `@azure/functions`
 * hands to `registerFunction` of `@azure/functions-core`. Built from the registry's own trigger options
 * with the library's public `trigger` / `output` builders (which name each binding), then shaped as
 * the library's `toCoreFunctionMetadata` does (src/converters/toCoreFunctionMetadata.ts of
 * Azure/azure-functions-nodejs-library: the trigger gets `direction: 'in'` and
 * `properties.supportsDeferredBinding`, an HTTP function's response is the `$return` output).
 * test/unit/function-registrations.test.ts proves it equal to what the real library registers.
 */
import { output, trigger } from '@azure/functions';
import { FunctionDefinition, httpTriggerOptions, queueTriggerOptions, timerTriggerOptions } from '../../../functions/registry';

export interface BindingMetadata {
  name: string;
  type: string;
  direction: 'in' | 'out';
  [property: string]: unknown;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, BindingMetadata>;
}

/** The output binding name the Node.js library gives a function's return value. */
const RETURN_BINDING = '$return';

function triggerOf(definition: FunctionDefinition): { name: string; type: string } {
  switch (definition.kind) {
    case 'http':
      return trigger.http(httpTriggerOptions(definition));
    case 'queue':
      return trigger.storageQueue(queueTriggerOptions(definition));
    case 'timer':
      return trigger.timer(timerTriggerOptions(definition));
  }
}

export function hostMetadataOf(definition: FunctionDefinition): FunctionMetadata {
  const input = triggerOf(definition);
  const bindings: Record<string, BindingMetadata> = {
    [input.name]: { ...input, direction: 'in', properties: { supportsDeferredBinding: 'false' } },
  };
  // app.http gives every HTTP function an HTTP output as its return value (src/app.ts `http`).
  if (definition.kind === 'http') bindings[RETURN_BINDING] = { ...output.http({}), direction: 'out' };
  return { name: definition.name, bindings };
}

/** The trigger binding of a function (the one input binding whose type ends in "Trigger"). */
export function triggerBinding(metadata: FunctionMetadata): BindingMetadata | undefined {
  return Object.values(metadata.bindings).find((b) => b.direction === 'in' && /trigger$/i.test(b.type));
}
