/** Every Storage name the code uses obeys Azure's naming rules (shared/store/names.ts says which). */
import { CONTAINERS, QUEUES, TABLES, poisonQueueName } from '@shared/store/names';

// Queues and containers: 3-63 chars, lowercase letters, digits, single dashes, no dash at either end.
const QUEUE_OR_CONTAINER = /^(?=.{3,63}$)[a-z0-9]+(?:-[a-z0-9]+)*$/;
// Tables: 3-63 chars, letters and digits, starting with a letter (no dashes).
const TABLE = /^[A-Za-z][A-Za-z0-9]{2,62}$/;

test.each(Object.values(QUEUES))('queue name %s is valid, and so is its poison queue', (name) => {
  expect(name).toMatch(QUEUE_OR_CONTAINER);
  expect(poisonQueueName(name)).toMatch(QUEUE_OR_CONTAINER);
});

test.each(Object.values(TABLES))('table name %s is valid', (name) => {
  expect(name).toMatch(TABLE);
});

test.each(Object.values(CONTAINERS))('container name %s is valid', (name) => {
  expect(name).toMatch(QUEUE_OR_CONTAINER);
});

test('no two resources of a kind share a name, and the outbox poison queue is the one the host fills', () => {
  for (const group of [QUEUES, TABLES, CONTAINERS]) {
    const names = Object.values(group).map((n) => n.toLowerCase());
    expect(new Set(names).size).toBe(names.length);
  }
  expect(QUEUES.outboxPoison).toBe(poisonQueueName(QUEUES.outbox));
});
