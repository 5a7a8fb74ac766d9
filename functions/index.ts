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
import './settingsPage';
import './openapi';
import './senderHealth';
import './operator';
import './webhooks';
import './directoryRead';
import './directorySync';
import './directoryConnections';
