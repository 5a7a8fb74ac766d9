/**
 * The function app's entry point (package.json "main" after bundling): importing each resource file
 * registers its triggers with the host and in `registry.ts`.
 */
import './health';
import './senders';
import './namedSenders';
import './oauth';
import './messages';
import './outbox';
import './adminLinks';
import './adminSender';
import './adminNamedSenders';
import './settingsPage';
import './openapi';
import './senderHealth';
import './operator';
import './webhooks';
import './directoryConnections';
import './directoryRead';
import './directorySync';
import './lifecycle';

// What a host needs beside the registrations: the definitions and how to invoke one (the cold-start
// benchmark and test/unit/provider-loading.test.ts call a handler of the built dist/main.js this way).
export { invocationOf, listFunctions } from './registry';
