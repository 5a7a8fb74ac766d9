/**
 * Function and binding names as the Functions host validates them when it indexes the worker's
 * metadata (src/WebJobs.Script/Host/WorkerFunctionMetadataProvider.cs `ValidateMetadata`,
 * `ValidateBindings`; src/WebJobs.Script/Utility.cs `ValidateName`, `ValidateBinding`, in
 * Azure/azure-functions-host), with the host's messages.
 */
import type { FunctionMetadata } from './metadata';
import type { Violation } from './violation';

/** Utility.cs `FunctionNameValidationRegex` (IgnoreCase): a letter, then up to 127 of [a-z0-9_-]; never "host". */
const FUNCTION_NAME = /^[a-z][a-z0-9_-]{0,127}$/i;
/** Utility.cs `BindingNameValidationRegex`: a letter then up to 127 letters/digits, or `$return`. */
const BINDING_NAME = /^([a-zA-Z][a-zA-Z0-9]{0,127}|\$return)$/;

function nameViolation(fn: FunctionMetadata): Violation | undefined {
  if (FUNCTION_NAME.test(fn.name) && fn.name.toLowerCase() !== 'host') return undefined;
  return { functionName: fn.name, rule: 'function-name', message: `'${fn.name}' is not a valid function name.` };
}

/**
 * FunctionMetadataManager.cs throws "Found duplicate FunctionMetadata with the name ..." for an exact
 * repeat. Whether names differing only in case collide elsewhere is not clear from the source (the
 * host sorts functions by name case-insensitively), so they are refused too: the fail-safe choice.
 */
function duplicateViolations(functions: readonly FunctionMetadata[]): Violation[] {
  const seen = new Set<string>();
  const violations: Violation[] = [];
  for (const fn of functions) {
    const key = fn.name.toLowerCase();
    if (seen.has(key))
      violations.push({ functionName: fn.name, rule: 'unique-name', message: `Found duplicate FunctionMetadata with the name ${fn.name}` });
    seen.add(key);
  }
  return violations;
}

function bindingViolations(fn: FunctionMetadata): Violation[] {
  const violations: Violation[] = [];
  const seen = new Set<string>();
  const names = Object.keys(fn.bindings);
  if (names.length === 0) violations.push({ functionName: fn.name, rule: 'binding', message: 'At least one binding must be declared.' });
  for (const name of names) {
    if (!BINDING_NAME.test(name)) {
      violations.push({
        functionName: fn.name,
        rule: 'binding',
        message: `The binding name ${name} is invalid. Please assign a valid name to the binding.`,
      });
    }
    if (name === '$return' && fn.bindings[name].direction !== 'out') {
      violations.push({ functionName: fn.name, rule: 'binding', message: "$return bindings must specify a direction of 'out'." });
    }
    if (seen.has(name.toLowerCase())) {
      violations.push({
        functionName: fn.name,
        rule: 'binding',
        message: `Multiple bindings with name '${name}' discovered. Binding names must be unique.`,
      });
    }
    seen.add(name.toLowerCase());
  }
  return violations;
}

export function nameViolations(functions: readonly FunctionMetadata[]): Violation[] {
  return [
    ...functions.flatMap((fn) => [nameViolation(fn), ...bindingViolations(fn)].filter((v): v is Violation => v !== undefined)),
    ...duplicateViolations(functions),
  ];
}
