#!/usr/bin/env bash
# roadsense-queue against Debian's AWS CLI (awscli 2.9, /usr/bin/aws; Query protocol): a scripted
# session as an operator would type it. Run by compat_test.cc against a fresh server; see
# tests/compat/README.md.
#
# Environment: SQS_ENDPOINT, AWS_REGION, OWNER_KEY/OWNER_SECRET, OTHER_KEY/OTHER_SECRET,
# OTHER_ACCOUNT, DATA_DIR (the server's --data-dir, scanned for plaintext), SSE_KEY_ID (a key id
# of the server's --encryption-keys-file). Prints one line per checked step; exits 1 on the first
# failure.
set -euo pipefail

AWS=/usr/bin/aws
export AWS_ACCESS_KEY_ID=$OWNER_KEY AWS_SECRET_ACCESS_KEY=$OWNER_SECRET
export AWS_DEFAULT_REGION=${AWS_REGION:-us-east-1} AWS_MAX_ATTEMPTS=1 AWS_RETRY_MODE=standard

sqs() { "$AWS" --endpoint-url "$SQS_ENDPOINT" --output text sqs "$@"; }
ok() { echo "ok   $*"; }
fail() {
  echo "FAIL $*" >&2
  exit 1
}
expect_eq() { [[ $1 == "$2" ]] || fail "$3: got '$1', expected '$2'"; }
# expect_error CODE STEP -- command...: the command fails and its error names CODE.
expect_error() {
  local code=$1 step=$2 out
  shift 3
  if out=$("$@" 2>&1); then fail "$step: succeeded, expected $code"; fi
  [[ $out == *"($code)"* ]] || fail "$step: expected ($code), got: $out"
  ok "$step -> $code"
}

suffix=$(date +%s%N)
name=cli-main-$suffix

# ---- Queues and attributes ----
dlq_url=$(sqs create-queue --queue-name "cli-dlq-$suffix" --query QueueUrl)
ok "create-queue (dead-letter queue)"
dlq_arn=$(sqs get-queue-attributes --queue-url "$dlq_url" --attribute-names QueueArn \
  --query Attributes.QueueArn)
url=$(sqs create-queue --queue-name "$name" --attributes VisibilityTimeout=30 \
  --tags team=roadsense,tier=compat --query QueueUrl)
[[ $url == */$name ]] || fail "create-queue answered $url"
ok "create-queue (with attributes and tags)"
expect_eq "$(sqs get-queue-url --queue-name "$name" --query QueueUrl)" "$url" "get-queue-url"
ok "get-queue-url"
listed=$(sqs list-queues --queue-name-prefix cli- --query 'QueueUrls[]')
[[ $listed == *"$url"* && $listed == *"$dlq_url"* ]] || fail "list-queues: $listed"
ok "list-queues (prefix)"
redrive="{\"deadLetterTargetArn\":\"$dlq_arn\",\"maxReceiveCount\":1}"
sqs set-queue-attributes --queue-url "$url" \
  --attributes "{\"VisibilityTimeout\":\"45\",\"RedrivePolicy\":$(printf %s "$redrive" |
    /usr/bin/python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')}"
ok "set-queue-attributes (VisibilityTimeout, RedrivePolicy)"
expect_eq "$(sqs get-queue-attributes --queue-url "$url" --attribute-names All \
  --query Attributes.VisibilityTimeout)" 45 "get-queue-attributes"
ok "get-queue-attributes (All)"
expect_eq "$(sqs list-dead-letter-source-queues --queue-url "$dlq_url" --query 'queueUrls[0]')" \
  "$url" "list-dead-letter-source-queues"
ok "list-dead-letter-source-queues"

# ---- Tags ----
sqs tag-queue --queue-url "$url" --tags env=test
ok "tag-queue"
sqs untag-queue --queue-url "$url" --tag-keys tier
ok "untag-queue"
expect_eq "$(sqs list-queue-tags --queue-url "$url" --query 'join(`,`, sort(keys(Tags)))')" \
  "env,team" "list-queue-tags"
ok "list-queue-tags"

# ---- Messages ----
md5=$(printf %s 'hello from the cli' | md5sum | cut -d' ' -f1)
expect_eq "$(sqs send-message --queue-url "$url" --message-body 'hello from the cli' \
  --message-attributes '{"city":{"DataType":"String","StringValue":"Zürich"}}' \
  --query MD5OfMessageBody)" "$md5" "send-message MD5OfMessageBody"
ok "send-message (with an attribute)"
sqs send-message-batch --queue-url "$url" --entries \
  Id=m1,MessageBody=batch-1 Id=m2,MessageBody=batch-2 >/dev/null
ok "send-message-batch"
receipts=()
for _ in 1 2 3; do
  while read -r handle; do
    [[ -n $handle && $handle != None ]] && receipts+=("$handle")
  done < <(sqs receive-message --queue-url "$url" --max-number-of-messages 10 \
    --wait-time-seconds 1 --message-attribute-names All --attribute-names All \
    --query 'Messages[].ReceiptHandle' | tr '\t' '\n')
  ((${#receipts[@]} >= 3)) && break
done
expect_eq "${#receipts[@]}" 3 "receive-message count"
ok "receive-message"
sqs change-message-visibility --queue-url "$url" --receipt-handle "${receipts[0]}" \
  --visibility-timeout 60
ok "change-message-visibility"
sqs change-message-visibility-batch --queue-url "$url" --entries \
  "Id=v1,ReceiptHandle=${receipts[1]},VisibilityTimeout=60" >/dev/null
ok "change-message-visibility-batch"
sqs delete-message --queue-url "$url" --receipt-handle "${receipts[0]}"
ok "delete-message"
expect_eq "$(sqs delete-message-batch --queue-url "$url" --entries \
  "Id=d1,ReceiptHandle=${receipts[1]}" "Id=d2,ReceiptHandle=${receipts[2]}" \
  --query 'length(Successful)')" 2 "delete-message-batch"
ok "delete-message-batch"

# ---- Long polling: a receive waiting on the empty queue gets a message sent meanwhile ----
(sleep 1 && sqs send-message --queue-url "$url" --message-body 'wake up' >/dev/null) &
expect_eq "$(sqs receive-message --queue-url "$url" --wait-time-seconds 20 \
  --query 'Messages[0].Body')" "wake up" "long poll"
wait
ok "receive-message (long polling)"

# ---- Purge ----
sqs purge-queue --queue-url "$url"
ok "purge-queue"
expect_error AWS.SimpleQueueService.PurgeQueueInProgress "purge-queue twice within 60 s" -- \
  sqs purge-queue --queue-url "$url"

# ---- FIFO: content-based deduplication, group order, sequence numbers ----
# (The FIFO and SSE queues are left for the server's end: each CLI call costs about a second.)
fifo_url=$(sqs create-queue --queue-name "cli-fifo-$suffix.fifo" \
  --attributes FifoQueue=true,ContentBasedDeduplication=true --query QueueUrl)
ok "create-queue (FIFO, ContentBasedDeduplication)"
read -r first_id first_seq < <(sqs send-message --queue-url "$fifo_url" --message-body first \
  --message-group-id g1 --query '[MessageId,SequenceNumber]')
[[ $first_seq =~ ^[0-9]{20}$ ]] || fail "send-message (FIFO): SequenceNumber '$first_seq'"
ok "send-message (FIFO): SequenceNumber $first_seq"
expect_eq "$(sqs send-message --queue-url "$fifo_url" --message-body first --message-group-id g1 \
  --query MessageId)" "$first_id" "duplicate body within 5 minutes"
ok "send-message (same body: deduplicated, original MessageId)"
second_seq=$(sqs send-message --queue-url "$fifo_url" --message-body second \
  --message-group-id g1 --query SequenceNumber)
[[ $second_seq > $first_seq ]] || fail "SequenceNumber $second_seq not above $first_seq"
ok "send-message (FIFO): SequenceNumber increases"
expect_eq "$(sqs receive-message --queue-url "$fifo_url" --max-number-of-messages 10 \
  --attribute-names All --query \
  'join(`,`, Messages[].[Body, Attributes.MessageGroupId, Attributes.SequenceNumber][])')" \
  "first,g1,$first_seq,second,g1,$second_seq" "receive-message (FIFO)"
ok "receive-message (FIFO): group order, once each, MessageGroupId and SequenceNumber"

# ---- Encryption at rest: SSE-SQS and SSE-KMS queues; plaintext never reaches the data dir ----
marker="cli-sse-marker-$suffix"
sse_url=$(sqs create-queue --queue-name "cli-sse-$suffix" --attributes SqsManagedSseEnabled=true \
  --query QueueUrl)
expect_eq "$(sqs get-queue-attributes --queue-url "$sse_url" --attribute-names All \
  --query Attributes.SqsManagedSseEnabled)" true "SqsManagedSseEnabled"
ok "create-queue (SqsManagedSseEnabled=true)"
md5=$(printf %s "body $marker" | md5sum | cut -d' ' -f1)
expect_eq "$(sqs send-message --queue-url "$sse_url" --message-body "body $marker" \
  --message-attributes "{\"note\":{\"DataType\":\"String\",\"StringValue\":\"$marker\"}}" \
  --query MD5OfMessageBody)" "$md5" "send-message (SSE) MD5OfMessageBody"
ok "send-message (SSE queue, with an attribute)"
if grep -rqF -- "$marker" "$DATA_DIR"; then fail "the marker is in clear in $DATA_DIR"; fi
ok "the data directory holds neither body nor attribute in clear"
expect_eq "$(sqs receive-message --queue-url "$sse_url" --message-attribute-names All \
  --query 'join(`,`, [Messages[0].Body, Messages[0].MessageAttributes.note.StringValue])')" \
  "body $marker,$marker" "receive-message (SSE)"
ok "receive-message (SSE queue: body and attribute back, MD5s checked by the CLI)"
kms_url=$(sqs create-queue --queue-name "cli-kms-$suffix" \
  --attributes "KmsMasterKeyId=$SSE_KEY_ID,KmsDataKeyReusePeriodSeconds=600" --query QueueUrl)
expect_eq "$(sqs get-queue-attributes --queue-url "$kms_url" --attribute-names All \
  --query 'join(`,`, [Attributes.KmsMasterKeyId, Attributes.KmsDataKeyReusePeriodSeconds])')" \
  "$SSE_KEY_ID,600" "KmsMasterKeyId"
ok "create-queue (KmsMasterKeyId, KmsDataKeyReusePeriodSeconds)"
expect_error InvalidAttributeValue "create-queue with an unknown KmsMasterKeyId" -- \
  sqs create-queue --queue-name "cli-nokey-$suffix" --attributes KmsMasterKeyId=no-such-key

# ---- Signatures and permissions ----
expect_error SignatureDoesNotMatch "a wrong secret key" -- \
  env AWS_SECRET_ACCESS_KEY=not-the-secret-key "$AWS" --endpoint-url "$SQS_ENDPOINT" \
  sqs list-queues
expect_error AccessDenied "another account without permission" -- \
  env AWS_ACCESS_KEY_ID="$OTHER_KEY" AWS_SECRET_ACCESS_KEY="$OTHER_SECRET" \
  "$AWS" --endpoint-url "$SQS_ENDPOINT" sqs send-message --queue-url "$url" --message-body x
sqs add-permission --queue-url "$url" --label partner-send --aws-account-ids "$OTHER_ACCOUNT" \
  --actions SendMessage
ok "add-permission"
AWS_ACCESS_KEY_ID=$OTHER_KEY AWS_SECRET_ACCESS_KEY=$OTHER_SECRET \
  sqs send-message --queue-url "$url" --message-body 'from the partner' >/dev/null
ok "another account sends after add-permission"
sqs remove-permission --queue-url "$url" --label partner-send
ok "remove-permission"

# ---- Delete ----
sqs delete-queue --queue-url "$url"
sqs delete-queue --queue-url "$dlq_url"
ok "delete-queue"
expect_error AWS.SimpleQueueService.NonExistentQueue "get-queue-url of a deleted queue" -- \
  sqs get-queue-url --queue-name "$name"
echo "all ok"
