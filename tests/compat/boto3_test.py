"""roadsense-queue against Debian's python3-boto3 (boto3 1.26 / botocore 1.29): the Query protocol
(form-encoded requests, XML responses). Run by compat_test.cc against a fresh server with
/usr/bin/python3; see tests/compat/README.md.

Environment: SQS_ENDPOINT, AWS_REGION, OWNER_KEY/OWNER_SECRET, OTHER_KEY/OTHER_SECRET,
OTHER_ACCOUNT. Prints one line per checked step; exits 1 on the first failure. botocore 1.29
predates the message move task actions, so those are covered by the JavaScript SDK only.
"""
import hashlib
import json
import os
import struct
import sys
import threading
import time
import urllib.error
import urllib.request

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError


def client(key, secret):
    return boto3.client(
        "sqs",
        endpoint_url=os.environ["SQS_ENDPOINT"],
        region_name=os.environ.get("AWS_REGION", "us-east-1"),
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


sqs = client(os.environ["OWNER_KEY"], os.environ["OWNER_SECRET"])
other = client(os.environ["OTHER_KEY"], os.environ["OTHER_SECRET"])


def ok(step):
    print(f"ok   {step}", flush=True)


def expect_error(call, code, step, **kwargs):
    try:
        call(**kwargs)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        assert got == code, f"{step}: {got}: {e}"
        ok(f"{step} -> {code}")
        return e
    raise AssertionError(f"{step}: succeeded, expected {code}")


def md5_of_attributes(attributes):
    """MD5OfMessageAttributes as SQS computes it (sqs-api.md)."""
    h = hashlib.md5()

    def field(data):
        h.update(struct.pack(">I", len(data)))
        h.update(data)

    for name in sorted(attributes):
        a = attributes[name]
        field(name.encode())
        field(a["DataType"].encode())
        if "StringValue" in a:
            h.update(b"\x01")
            field(a["StringValue"].encode())
        else:
            h.update(b"\x02")
            field(a["BinaryValue"])
    return h.hexdigest()


def main():
    # The protocol under test: botocore of this age speaks Query to SQS.
    assert sqs.meta.service_model.protocol == "query", sqs.meta.service_model.protocol
    ok(f"botocore {botocore.__version__} speaks {sqs.meta.service_model.protocol}")
    suffix = format(int(time.time() * 1000), "x")

    # ---- Queues ----
    dlq_url = sqs.create_queue(QueueName=f"py-dlq-{suffix}")["QueueUrl"]
    ok("CreateQueue (dead-letter queue)")
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    name = f"py-main-{suffix}"
    url = sqs.create_queue(
        QueueName=name,
        Attributes={"VisibilityTimeout": "30"},
        tags={"team": "roadsense", "tier": "compat"},
    )["QueueUrl"]
    assert url.endswith("/" + name), url
    ok("CreateQueue (with attributes and tags)")
    assert sqs.get_queue_url(QueueName=name)["QueueUrl"] == url
    ok("GetQueueUrl")
    expect_error(
        sqs.get_queue_url,
        "AWS.SimpleQueueService.NonExistentQueue",
        "GetQueueUrl of a missing queue",
        QueueName=f"missing-{suffix}",
    )
    urls = sqs.list_queues(QueueNamePrefix="py-")["QueueUrls"]
    assert url in urls and dlq_url in urls, urls
    ok("ListQueues (prefix)")

    # ---- Attributes ----
    sqs.set_queue_attributes(
        QueueUrl=url,
        Attributes={
            "VisibilityTimeout": "45",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1}),
        },
    )
    ok("SetQueueAttributes (VisibilityTimeout, RedrivePolicy)")
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "45", attrs
    assert json.loads(attrs["RedrivePolicy"])["deadLetterTargetArn"] == dlq_arn
    ok("GetQueueAttributes (All)")
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq_url)["queueUrls"] == [url]
    ok("ListDeadLetterSourceQueues")

    # ---- Tags ----
    sqs.tag_queue(QueueUrl=url, Tags={"env": "test"})
    ok("TagQueue")
    sqs.untag_queue(QueueUrl=url, TagKeys=["tier"])
    ok("UntagQueue")
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "roadsense", "env": "test"}
    ok("ListQueueTags")

    # ---- Messages ----
    attributes = {
        "city": {"DataType": "String", "StringValue": "Zürich"},
        "count": {"DataType": "Number", "StringValue": "42"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\x02\xff"},
    }
    sent = sqs.send_message(QueueUrl=url, MessageBody="hello ✓", MessageAttributes=attributes)
    assert sent["MD5OfMessageBody"] == hashlib.md5("hello ✓".encode()).hexdigest()
    assert sent["MD5OfMessageAttributes"] == md5_of_attributes(attributes)
    ok("SendMessage (attributes; body and attribute MD5 checked)")
    batch = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[{"Id": f"m{i}", "MessageBody": f"batch {i}"} for i in range(1, 4)],
    )
    assert len(batch["Successful"]) == 3 and not batch.get("Failed"), batch
    ok("SendMessageBatch")
    expect_error(
        sqs.send_message_batch,
        "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
        "SendMessageBatch with duplicate ids",
        QueueUrl=url,
        Entries=[{"Id": "x", "MessageBody": "a"}, {"Id": "x", "MessageBody": "b"}],
    )

    received = []
    while len(received) < 4:
        r = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            MessageAttributeNames=["All"],
            AttributeNames=["All"],
        )
        assert r.get("Messages"), "ReceiveMessage returned nothing"
        received += r["Messages"]
    hello = next(m for m in received if m["Body"] == "hello ✓")
    assert hello["MD5OfBody"] == hashlib.md5("hello ✓".encode()).hexdigest()
    assert hello["MessageAttributes"]["city"]["StringValue"] == "Zürich"
    assert hello["MessageAttributes"]["blob"]["BinaryValue"] == b"\x00\x01\x02\xff"
    assert hello["MD5OfMessageAttributes"] == md5_of_attributes(attributes)
    assert hello["Attributes"]["ApproximateReceiveCount"] == "1"
    ok("ReceiveMessage (all attributes; MD5s checked)")

    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=received[0]["ReceiptHandle"], VisibilityTimeout=60
    )
    ok("ChangeMessageVisibility")
    cmvb = sqs.change_message_visibility_batch(
        QueueUrl=url,
        Entries=[
            {"Id": f"v{i}", "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 60}
            for i, m in enumerate(received[1:3])
        ],
    )
    assert len(cmvb["Successful"]) == 2, cmvb
    ok("ChangeMessageVisibilityBatch")
    sqs.delete_message(QueueUrl=url, ReceiptHandle=received[0]["ReceiptHandle"])
    ok("DeleteMessage")
    deleted = sqs.delete_message_batch(
        QueueUrl=url,
        Entries=[{"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(received[1:])],
    )
    assert len(deleted["Successful"]) == 3, deleted
    ok("DeleteMessageBatch")
    expect_error(
        sqs.delete_message,
        "ReceiptHandleIsInvalid",
        "DeleteMessage with a bad receipt handle",
        QueueUrl=url,
        ReceiptHandle="not-a-receipt-handle",
    )

    # ---- Long polling: a waiting receive wakes when a message arrives ----
    sender = threading.Timer(
        0.3, lambda: client(os.environ["OWNER_KEY"], os.environ["OWNER_SECRET"]).send_message(
            QueueUrl=url, MessageBody="wake up"
        )
    )
    sender.start()
    # A poll that did not wake on arrival would end empty.
    woke = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20, MaxNumberOfMessages=1)
    sender.join()
    assert woke["Messages"][0]["Body"] == "wake up", woke
    ok("ReceiveMessage (long polling wakes on arrival)")

    # ---- Dead-letter redrive: maxReceiveCount 1, the second receive moves the message ----
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=woke["Messages"][0]["ReceiptHandle"], VisibilityTimeout=0
    )
    again = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    assert not again.get("Messages"), again
    in_dlq = sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=2)
    assert in_dlq["Messages"][0]["Body"] == "wake up", in_dlq
    ok("dead-letter queue (RedrivePolicy maxReceiveCount)")

    # ---- Purge ----
    sqs.purge_queue(QueueUrl=dlq_url)
    left = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"])
    assert left["Attributes"]["ApproximateNumberOfMessages"] == "0", left
    ok("PurgeQueue")
    expect_error(
        sqs.purge_queue,
        "AWS.SimpleQueueService.PurgeQueueInProgress",
        "PurgeQueue twice within 60 s",
        QueueUrl=dlq_url,
    )

    # ---- Presigned URL (botocore signs it for POST, the operation's method) ----
    presigned = sqs.generate_presigned_url("get_queue_url", Params={"QueueName": name}, ExpiresIn=60)
    with urllib.request.urlopen(urllib.request.Request(presigned, data=b"", method="POST")) as r:
        assert url in r.read().decode(), "presigned GetQueueUrl"
    ok("presigned URL (GetQueueUrl)")
    try:
        urllib.request.urlopen(
            urllib.request.Request(presigned.replace(name, name + "x"), data=b"", method="POST")
        )
        raise AssertionError("a changed presigned URL succeeded")
    except urllib.error.HTTPError as e:
        assert e.code == 403 and b"SignatureDoesNotMatch" in e.read(), e
    ok("changed presigned URL -> SignatureDoesNotMatch")

    # ---- Signatures and permissions ----
    wrong = client(os.environ["OWNER_KEY"], "not-the-secret-key")
    expect_error(wrong.list_queues, "SignatureDoesNotMatch", "a wrong secret key")
    unknown = client("AKIDNOSUCHKEY", "whatever-secret")
    expect_error(unknown.list_queues, "InvalidClientTokenId", "an unknown access key")
    expect_error(
        other.send_message,
        "AccessDenied",
        "another account without permission",
        QueueUrl=url,
        MessageBody="x",
    )
    sqs.add_permission(
        QueueUrl=url,
        Label="partner-send",
        AWSAccountIds=[os.environ["OTHER_ACCOUNT"]],
        Actions=["SendMessage"],
    )
    ok("AddPermission")
    other.send_message(QueueUrl=url, MessageBody="from the partner")
    ok("another account sends after AddPermission")
    expect_error(other.purge_queue, "AccessDenied", "another account, action not granted", QueueUrl=url)
    sqs.remove_permission(QueueUrl=url, Label="partner-send")
    ok("RemovePermission")
    expect_error(
        other.send_message,
        "AccessDenied",
        "another account after RemovePermission",
        QueueUrl=url,
        MessageBody="x",
    )

    # ---- FIFO ----
    fifo_url = sqs.create_queue(
        QueueName=f"py-fifo-{suffix}.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
    )["QueueUrl"]
    ok("CreateQueue (FIFO, content-based deduplication)")
    expect_error(
        sqs.create_queue,
        "InvalidParameterValue",
        "FifoQueue on a name without .fifo",
        QueueName=f"py-notfifo-{suffix}",
        Attributes={"FifoQueue": "true"},
    )
    expect_error(
        sqs.send_message,
        "MissingParameter",
        "FIFO send without MessageGroupId",
        QueueUrl=fifo_url,
        MessageBody="x",
    )
    first = sqs.send_message(QueueUrl=fifo_url, MessageBody="f1", MessageGroupId="g")
    again = sqs.send_message(QueueUrl=fifo_url, MessageBody="f1", MessageGroupId="g")
    assert first["MessageId"] == again["MessageId"], (first, again)
    assert first["SequenceNumber"] == again["SequenceNumber"], (first, again)
    ok("FIFO duplicate (same body) returns the original MessageId and SequenceNumber")
    batch = sqs.send_message_batch(
        QueueUrl=fifo_url,
        Entries=[
            {"Id": "a", "MessageBody": "f2", "MessageGroupId": "g", "MessageDeduplicationId": "d2"},
            {"Id": "b", "MessageBody": "f3", "MessageGroupId": "g", "MessageDeduplicationId": "d3"},
        ],
    )
    seqs = [first["SequenceNumber"]] + [e["SequenceNumber"] for e in batch["Successful"]]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3, seqs
    ok("FIFO SendMessageBatch: SequenceNumbers increase")
    got = sqs.receive_message(
        QueueUrl=fifo_url,
        MaxNumberOfMessages=10,
        AttributeNames=["All"],
        ReceiveRequestAttemptId="py-attempt",
    )["Messages"]
    assert [m["Body"] for m in got] == ["f1", "f2", "f3"], got
    assert got[0]["Attributes"]["MessageGroupId"] == "g", got[0]
    assert got[0]["Attributes"]["SequenceNumber"] == first["SequenceNumber"], got[0]
    ok("FIFO ReceiveMessage: group order and system attributes")
    retry = sqs.receive_message(
        QueueUrl=fifo_url, MaxNumberOfMessages=10, ReceiveRequestAttemptId="py-attempt"
    )["Messages"]
    assert [m["ReceiptHandle"] for m in retry] == [m["ReceiptHandle"] for m in got], retry
    ok("FIFO ReceiveRequestAttemptId retry returns the same receipts")
    assert not sqs.receive_message(QueueUrl=fifo_url, MaxNumberOfMessages=10).get("Messages")
    ok("FIFO group blocked while its messages are in flight")
    sqs.delete_queue(QueueUrl=fifo_url)

    # ---- Delete ----
    sqs.delete_queue(QueueUrl=url)
    sqs.delete_queue(QueueUrl=dlq_url)
    ok("DeleteQueue")
    expect_error(
        sqs.get_queue_url,
        "AWS.SimpleQueueService.NonExistentQueue",
        "GetQueueUrl of a deleted queue",
        QueueName=name,
    )
    print("all ok")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # one line for the log, then the traceback
        print(f"FAIL {type(e).__name__}: {e}", file=sys.stderr)
        raise
