// roadsense-queue against the AWS SDK for JavaScript v3 (@aws-sdk/client-sqs, AWS JSON 1.0
// protocol, MD5 validation of bodies on — the SDK's default). Run by compat_test.cc against a
// fresh server; see tests/compat/README.md.
//
// Environment: SQS_ENDPOINT, AWS_REGION, OWNER_KEY/OWNER_SECRET (a key of the queue's account),
// OTHER_KEY/OTHER_SECRET (a key of another account). Prints one line per checked step; exits 1 on
// the first failure.
import {
  SQSClient,
  AddPermissionCommand,
  CancelMessageMoveTaskCommand,
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  RemovePermissionCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  StartMessageMoveTaskCommand,
  TagQueueCommand,
  UntagQueueCommand,
} from '@aws-sdk/client-sqs';
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';

const endpoint = process.env.SQS_ENDPOINT;
const region = process.env.AWS_REGION || 'us-east-1';

function client(accessKeyId, secretAccessKey) {
  return new SQSClient({
    endpoint,
    region,
    credentials: { accessKeyId, secretAccessKey },
    maxAttempts: 1, // an error must surface, not be retried away
  });
}

const sqs = client(process.env.OWNER_KEY, process.env.OWNER_SECRET);
const other = client(process.env.OTHER_KEY, process.env.OTHER_SECRET);

function ok(step) {
  console.log(`ok   ${step}`);
}

// Runs `command`, expects it to fail with the error `name`.
async function expectError(c, command, name, step) {
  try {
    await c.send(command);
  } catch (e) {
    assert.equal(e.name, name, `${step}: ${e.name}: ${e.message}`);
    ok(`${step} -> ${name}`);
    return e;
  }
  assert.fail(`${step}: succeeded, expected ${name}`);
}

// MD5OfMessageAttributes as SQS computes it (sqs-api.md), to check the server's digest.
function md5OfAttributes(attributes) {
  const hash = createHash('md5');
  const u32 = (n) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const field = (bytes) => {
    hash.update(u32(bytes.length));
    hash.update(bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const a = attributes[name];
    field(Buffer.from(name, 'utf8'));
    field(Buffer.from(a.DataType, 'utf8'));
    if (a.StringValue !== undefined) {
      hash.update(Buffer.from([1]));
      field(Buffer.from(a.StringValue, 'utf8'));
    } else {
      hash.update(Buffer.from([2]));
      field(Buffer.from(a.BinaryValue));
    }
  }
  return hash.digest('hex');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const suffix = Date.now().toString(36);

async function main() {
  // MD5 validation is on: the client carries the SDK's hash constructor.
  assert.equal(typeof sqs.config.md5, 'function', 'MD5 validation must be enabled');

  // ---- Queues ----
  const dlqName = `js-dlq-${suffix}`;
  const name = `js-main-${suffix}`;
  const { QueueUrl: dlqUrl } = await sqs.send(new CreateQueueCommand({ QueueName: dlqName }));
  ok('CreateQueue (dead-letter queue)');
  const dlqArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes.QueueArn;
  const { QueueUrl: url } = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: { VisibilityTimeout: '30', ReceiveMessageWaitTimeSeconds: '0' },
      tags: { team: 'roadsense', tier: 'compat' },
    }),
  );
  assert.ok(url.endsWith(`/${name}`), url);
  ok('CreateQueue (with attributes and tags)');
  assert.equal((await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl, url);
  ok('GetQueueUrl');
  await expectError(
    sqs,
    new GetQueueUrlCommand({ QueueName: `missing-${suffix}` }),
    'QueueDoesNotExist',
    'GetQueueUrl of a missing queue',
  );
  const listed = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'js-' }));
  assert.ok(listed.QueueUrls.includes(url) && listed.QueueUrls.includes(dlqUrl), listed.QueueUrls);
  ok('ListQueues (prefix)');

  // ---- Attributes ----
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: url,
      Attributes: {
        VisibilityTimeout: '45',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }),
      },
    }),
  );
  ok('SetQueueAttributes (VisibilityTimeout, RedrivePolicy)');
  const attrs = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))
  ).Attributes;
  assert.equal(attrs.VisibilityTimeout, '45');
  assert.equal(JSON.parse(attrs.RedrivePolicy).deadLetterTargetArn, dlqArn);
  assert.ok(attrs.QueueArn.endsWith(`:${name}`), attrs.QueueArn);
  ok('GetQueueAttributes (All)');
  const sources = await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }));
  assert.deepEqual(sources.queueUrls, [url]);
  ok('ListDeadLetterSourceQueues');

  // ---- Tags ----
  await sqs.send(new TagQueueCommand({ QueueUrl: url, Tags: { env: 'test' } }));
  ok('TagQueue');
  await sqs.send(new UntagQueueCommand({ QueueUrl: url, TagKeys: ['tier'] }));
  ok('UntagQueue');
  const tags = (await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags;
  assert.deepEqual(tags, { team: 'roadsense', env: 'test' });
  ok('ListQueueTags');

  // ---- Messages ----
  const attributes = {
    city: { DataType: 'String', StringValue: 'Zürich' },
    count: { DataType: 'Number', StringValue: '42' },
    blob: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1, 2, 255]) },
  };
  const sent = await sqs.send(
    new SendMessageCommand({ QueueUrl: url, MessageBody: 'hello ✓', MessageAttributes: attributes }),
  );
  assert.ok(sent.MessageId);
  assert.equal(sent.MD5OfMessageAttributes, md5OfAttributes(attributes));
  ok('SendMessage (attributes; body MD5 checked by the SDK, attribute MD5 here)');
  const batch = await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: url,
      Entries: [1, 2, 3].map((i) => ({ Id: `m${i}`, MessageBody: `batch ${i}` })),
    }),
  );
  assert.equal(batch.Successful.length, 3);
  assert.equal((batch.Failed || []).length, 0);
  ok('SendMessageBatch');
  await expectError(
    sqs,
    new SendMessageBatchCommand({
      QueueUrl: url,
      Entries: [
        { Id: 'x', MessageBody: 'a' },
        { Id: 'x', MessageBody: 'b' },
      ],
    }),
    'BatchEntryIdsNotDistinct',
    'SendMessageBatch with duplicate ids',
  );

  const received = [];
  while (received.length < 4) {
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    assert.ok(r.Messages && r.Messages.length > 0, 'ReceiveMessage returned nothing');
    received.push(...r.Messages);
  }
  const hello = received.find((m) => m.Body === 'hello ✓');
  assert.ok(hello, 'the first message came back');
  assert.equal(hello.MessageAttributes.city.StringValue, 'Zürich');
  assert.equal(hello.MD5OfMessageAttributes, md5OfAttributes(attributes));
  assert.equal(hello.Attributes.ApproximateReceiveCount, '1');
  ok('ReceiveMessage (all attributes; body MD5 checked by the SDK)');

  await sqs.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: url,
      ReceiptHandle: received[0].ReceiptHandle,
      VisibilityTimeout: 60,
    }),
  );
  ok('ChangeMessageVisibility');
  const cmvb = await sqs.send(
    new ChangeMessageVisibilityBatchCommand({
      QueueUrl: url,
      Entries: received.slice(1, 3).map((m, i) => ({
        Id: `v${i}`,
        ReceiptHandle: m.ReceiptHandle,
        VisibilityTimeout: 60,
      })),
    }),
  );
  assert.equal(cmvb.Successful.length, 2);
  ok('ChangeMessageVisibilityBatch');
  await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: received[0].ReceiptHandle }));
  ok('DeleteMessage');
  const deleted = await sqs.send(
    new DeleteMessageBatchCommand({
      QueueUrl: url,
      Entries: received.slice(1).map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
    }),
  );
  assert.equal(deleted.Successful.length, 3);
  ok('DeleteMessageBatch');
  await expectError(
    sqs,
    new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'not-a-receipt-handle' }),
    'ReceiptHandleIsInvalid',
    'DeleteMessage with a bad receipt handle',
  );

  // ---- Long polling: a waiting receive gets a message sent while it waits (a poll that did
  // not wake on arrival would end empty) ----
  const poll = sqs.send(
    new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20, MaxNumberOfMessages: 1 }),
  );
  await sleep(300);
  await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'wake up' }));
  const woke = await poll;
  assert.equal(woke.Messages[0].Body, 'wake up');
  ok('ReceiveMessage (long polling wakes on arrival)');

  // ---- Dead-letter redrive: maxReceiveCount 1, the second receive moves the message ----
  await sqs.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: url,
      ReceiptHandle: woke.Messages[0].ReceiptHandle,
      VisibilityTimeout: 0,
    }),
  );
  const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
  assert.equal((again.Messages || []).length, 0, 'the message went to the dead-letter queue');
  const inDlq = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 2, VisibilityTimeout: 0 }),
  );
  assert.equal(inDlq.Messages[0].Body, 'wake up');
  ok('dead-letter queue (RedrivePolicy maxReceiveCount)');
  const task = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn }));
  assert.ok(task.TaskHandle);
  ok('StartMessageMoveTask');
  let tasks;
  for (let i = 0; i < 50; ++i) {
    tasks = (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }))).Results;
    if (tasks.length && tasks[0].Status === 'COMPLETED') break;
    await sleep(100);
  }
  assert.equal(tasks[0].Status, 'COMPLETED', JSON.stringify(tasks));
  ok('ListMessageMoveTasks (task completed)');
  const back = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 2 }));
  assert.equal(back.Messages[0].Body, 'wake up');
  ok('redrive moved the message back to its source queue');
  await expectError(
    sqs,
    new CancelMessageMoveTaskCommand({ TaskHandle: task.TaskHandle }),
    'UnsupportedOperation',
    'CancelMessageMoveTask of a finished task',
  );

  // ---- Purge ----
  await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: 'to purge' }));
  await sqs.send(new PurgeQueueCommand({ QueueUrl: dlqUrl }));
  const purged = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: dlqUrl,
      AttributeNames: ['ApproximateNumberOfMessages'],
    }),
  );
  assert.equal(purged.Attributes.ApproximateNumberOfMessages, '0');
  ok('PurgeQueue');
  await expectError(sqs, new PurgeQueueCommand({ QueueUrl: dlqUrl }), 'PurgeQueueInProgress',
                    'PurgeQueue twice within 60 s');

  // ---- Signatures and permissions ----
  const wrong = client(process.env.OWNER_KEY, 'not-the-secret-key');
  await expectError(wrong, new ListQueuesCommand({}), 'SignatureDoesNotMatch',
                    'a wrong secret key');
  const unknown = client('AKIDNOSUCHKEY', 'whatever-secret');
  await expectError(unknown, new ListQueuesCommand({}), 'InvalidClientTokenId',
                    'an unknown access key');
  const otherAccount = process.env.OTHER_ACCOUNT;
  await expectError(other, new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }),
                    'AccessDenied', 'another account without permission');
  await sqs.send(
    new AddPermissionCommand({
      QueueUrl: url,
      Label: 'partner-send',
      AWSAccountIds: [otherAccount],
      Actions: ['SendMessage'],
    }),
  );
  ok('AddPermission');
  await other.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'from the partner' }));
  ok('another account sends after AddPermission');
  await expectError(other, new PurgeQueueCommand({ QueueUrl: url }), 'AccessDenied',
                    'another account, action not granted');
  await sqs.send(new RemovePermissionCommand({ QueueUrl: url, Label: 'partner-send' }));
  ok('RemovePermission');
  await expectError(other, new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }),
                    'AccessDenied', 'another account after RemovePermission');

  // ---- FIFO ----
  const { QueueUrl: fifoUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: `js-fifo-${suffix}.fifo`,
      Attributes: { FifoQueue: 'true', DeduplicationScope: 'messageGroup' },
    }),
  );
  ok('CreateQueue (FIFO, DeduplicationScope messageGroup)');
  await expectError(
    sqs,
    new SendMessageCommand({ QueueUrl: fifoUrl, MessageBody: 'x', MessageGroupId: 'g' }),
    'InvalidParameterValue',
    'FIFO send without MessageDeduplicationId (no content-based deduplication)',
  );
  await expectError(
    sqs,
    new SendMessageCommand({
      QueueUrl: fifoUrl,
      MessageBody: 'x',
      MessageGroupId: 'g',
      MessageDeduplicationId: 'd',
      DelaySeconds: 5,
    }),
    'InvalidParameterValue',
    'FIFO send with a per-message DelaySeconds',
  );
  const fifoSend = (body, group, dedup) =>
    sqs.send(
      new SendMessageCommand({
        QueueUrl: fifoUrl,
        MessageBody: body,
        MessageGroupId: group,
        MessageDeduplicationId: dedup,
      }),
    );
  const a1 = await fifoSend('a1', 'A', 'd1');
  const dup = await fifoSend('a1', 'A', 'd1');
  assert.equal(dup.MessageId, a1.MessageId);
  assert.equal(dup.SequenceNumber, a1.SequenceNumber);
  ok('FIFO duplicate returns the original MessageId and SequenceNumber');
  await fifoSend('b1', 'B', 'd1'); // another group: not a duplicate under messageGroup scope
  await fifoSend('a2', 'A', 'd2');
  const firstA = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: fifoUrl,
      MaxNumberOfMessages: 1,
      MessageSystemAttributeNames: ['All'],
    }),
  );
  assert.deepEqual(firstA.Messages.map((m) => m.Body), ['a1']);
  assert.equal(firstA.Messages[0].Attributes.MessageGroupId, 'A');
  assert.equal(firstA.Messages[0].Attributes.MessageDeduplicationId, 'd1');
  assert.equal(firstA.Messages[0].Attributes.SequenceNumber, a1.SequenceNumber);
  ok('FIFO receive: oldest message first, with its system attributes');
  const others = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: fifoUrl, MaxNumberOfMessages: 10 }),
  );
  assert.deepEqual(others.Messages.map((m) => m.Body), ['b1']);
  ok('FIFO receive: group A blocked while a1 is in flight, group B flows');
  await sqs.send(
    new DeleteMessageCommand({ QueueUrl: fifoUrl, ReceiptHandle: firstA.Messages[0].ReceiptHandle }),
  );
  const nextA = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: fifoUrl, MaxNumberOfMessages: 10 }),
  );
  assert.deepEqual(nextA.Messages.map((m) => m.Body), ['a2']);
  ok('FIFO receive: a2 after a1 is deleted');
  await sqs.send(new DeleteQueueCommand({ QueueUrl: fifoUrl }));

  // ---- Delete ----
  await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
  await sqs.send(new DeleteQueueCommand({ QueueUrl: dlqUrl }));
  ok('DeleteQueue');
  await expectError(sqs, new GetQueueUrlCommand({ QueueName: name }), 'QueueDoesNotExist',
                    'GetQueueUrl of a deleted queue');
  console.log('all ok');
}

main().catch((e) => {
  console.error(`FAIL ${e.name}: ${e.message}`);
  if (e.$metadata) console.error(JSON.stringify(e.$metadata));
  process.exit(1);
});
