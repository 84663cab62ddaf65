// MessageProcessor against a real PostgreSQL (no queue server needed).
#include "worker/message_processor.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "schema/roadsense.pb.h"
#include "tests/db/database_test.h"
#include "tests/worker/queued_bodies.h"

namespace roadsense::worker {
namespace {

using testing::LegacyBody;
using testing::PackedBody;

using roadsense::testing::DatabaseTest;

sqs::ReceivedMessage Message(const std::string& id, const std::string& body) {
  sqs::ReceivedMessage m;
  m.message_id = id;
  m.receipt_handle = "rh-" + id;
  m.body = body;
  return m;
}

// An upload of `reports` probe reports, all in one tile and bucket.
v1::QueuedBatch ProbeUpload(const std::string& pseudonym, uint64_t sequence, int reports) {
  v1::QueuedBatch q;
  auto* batch = q.mutable_batch();
  batch->mutable_envelope()->set_vehicle_pseudonym(pseudonym);
  batch->mutable_envelope()->set_batch_sequence(sequence);
  for (int i = 0; i < reports; ++i) {
    auto* r = batch->add_reports();
    r->set_observed_time_ms(1'700'000'100'000 + i);
    r->mutable_position()->set_lat_e7(481374000);
    r->mutable_position()->set_lon_e7(115755000);
    r->mutable_position()->set_speed_cms(1000);
    r->mutable_probe();
  }
  return q;
}

// A legacy body (one QueuedBatch, as receivers before packing wrote it).
std::string BatchBody(const std::string& pseudonym, uint64_t sequence, int reports) {
  return LegacyBody(ProbeUpload(pseudonym, sequence, reports));
}

// One hazard (fog), one speed-limit sign (50 km/h) and one weather report by `pseudonym`.
std::string LayersBody(const std::string& pseudonym, uint64_t sequence) {
  v1::QueuedBatch q;
  auto* batch = q.mutable_batch();
  batch->mutable_envelope()->set_vehicle_pseudonym(pseudonym);
  batch->mutable_envelope()->set_batch_sequence(sequence);
  for (int i = 0; i < 3; ++i) {
    auto* r = batch->add_reports();
    r->set_observed_time_ms(1'700'000'100'000 + i);
    r->mutable_position()->set_lat_e7(481374000);
    r->mutable_position()->set_lon_e7(115755000);
    if (i == 0) r->mutable_hazard()->set_type(v1::HAZARD_TYPE_FOG);
    if (i == 1) r->mutable_sign()->set_type(v1::SIGN_TYPE_SPEED_LIMIT);
    if (i == 1) r->mutable_sign()->set_value(50);
    if (i == 2) r->mutable_weather()->set_wipers(v1::WIPER_STATE_LOW);
  }
  return LegacyBody(q);
}

class MessageProcessorTest : public DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    ASSERT_TRUE(store_.Migrate().ok());
  }

  static int64_t TotalReports() {
    return QueryValue<int64_t>("SELECT coalesce(sum(reports), 0) FROM tile_stats");
  }

  WorkerMetrics metrics_;
  db::IngestStore store_{ConnectionString()};
  MessageProcessor processor_{&store_, 300, &metrics_};
};

TEST_F(MessageProcessorTest, CommittedMessagesAreAllDeletable) {
  ProcessResult r = processor_.Process({Message("m1", BatchBody("car-aaaaaaaa", 1, 3)),
                                        Message("m2", BatchBody("car-bbbbbbbb", 1, 2))});
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.deletable, (std::vector<size_t>{0, 1}));
  EXPECT_EQ(TotalReports(), 5);
  EXPECT_EQ(metrics_.batches_committed.load(), 2);
  EXPECT_EQ(metrics_.reports.load(), 5);
}

TEST_F(MessageProcessorTest, PoisonMessageIsCountedButNotDeletable) {
  ProcessResult r = processor_.Process(
      {Message("bad", "%%% not base64"), Message("ok", BatchBody("car-aaaaaaaa", 1, 1))});
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.deletable, (std::vector<size_t>{1}));
  EXPECT_EQ(r.poison, (std::vector<size_t>{0}));
  EXPECT_EQ(metrics_.poison_messages.load(), 1);
  EXPECT_EQ(TotalReports(), 1);
}

TEST_F(MessageProcessorTest, DuplicateWithinOneReceiveCountsOnce) {
  const std::string body = BatchBody("car-aaaaaaaa", 4, 2);
  ProcessResult r = processor_.Process({Message("m1", body), Message("m2", body)});
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.deletable.size(), 2u);
  EXPECT_EQ(TotalReports(), 2);
  EXPECT_EQ(metrics_.batches_duplicate.load(), 1);
}

TEST_F(MessageProcessorTest, RedeliveredMessageIsDeletedWithoutCounting) {
  const std::string body = BatchBody("car-aaaaaaaa", 5, 2);
  ASSERT_TRUE(processor_.Process({Message("m1", body)}).status.ok());
  ProcessResult again = processor_.Process({Message("m1", body)});
  ASSERT_TRUE(again.status.ok());
  EXPECT_EQ(again.deletable, (std::vector<size_t>{0}));
  EXPECT_EQ(TotalReports(), 2);
}

TEST_F(MessageProcessorTest, PreparedGroupWithACountedBatchAddsOnlyTheNewOnes) {
  const std::string counted = BatchBody("car-aaaaaaaa", 6, 2);
  ASSERT_TRUE(processor_.Process({Message("m1", counted)}).status.ok());
  // Prepared (aggregated as if all were new) before the ledger says m1 was counted already.
  const std::vector<sqs::ReceivedMessage> messages = {
      Message("m1", counted), Message("m2", BatchBody("car-bbbbbbbb", 1, 3))};
  PreparedGroup group = processor_.Prepare(messages);
  EXPECT_EQ(group.placed_reports, 5);
  ProcessResult r = processor_.Commit(std::move(group), messages);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.deletable, (std::vector<size_t>{0, 1}));
  EXPECT_EQ(TotalReports(), 5);
  EXPECT_EQ(metrics_.reports.load(), 5);
  EXPECT_EQ(metrics_.batches_duplicate.load(), 1);
}

TEST_F(MessageProcessorTest, CountedUploadInsidePackedMessagesLeavesExactlyTheOthers) {
  ASSERT_TRUE(processor_.Process({Message("m0", PackedBody({ProbeUpload("car-aaaaaaaa", 1, 2)}))})
                  .status.ok());
  // The transaction aggregates the claimed uploads again from the bodies: a poison message
  // before them, the counted upload between two new ones, a legacy body and a repeat after it.
  const std::vector<sqs::ReceivedMessage> messages = {
      Message("poison", "%%% not base64"),
      Message("m1",
              PackedBody({ProbeUpload("car-bbbbbbbb", 1, 3), ProbeUpload("car-aaaaaaaa", 1, 2),
                          ProbeUpload("car-cccccccc", 1, 4)})),
      Message("m2", BatchBody("car-dddddddd", 1, 5)),
      Message("m3",
              PackedBody({ProbeUpload("car-bbbbbbbb", 1, 3), ProbeUpload("car-eeeeeeee", 1, 6)}))};
  PreparedGroup group = processor_.Prepare(messages);
  EXPECT_EQ(group.placed_reports, 20);
  ProcessResult r = processor_.Commit(std::move(group), messages);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.deletable, (std::vector<size_t>{1, 2, 3}));
  EXPECT_EQ(r.poison, (std::vector<size_t>{0}));
  EXPECT_EQ(TotalReports(), 2 + 3 + 4 + 5 + 6);
  EXPECT_EQ(metrics_.reports.load(), 2 + 3 + 4 + 5 + 6);
  EXPECT_EQ(metrics_.batches_duplicate.load(), 2);  // car-b's repeat, car-a's redelivery
}

TEST_F(MessageProcessorTest, EveryUploadOfAPackedMessageCounts) {
  ProcessResult r =
      processor_.Process({Message("m1", PackedBody({ProbeUpload("car-aaaaaaaa", 1, 3),
                                                    ProbeUpload("car-bbbbbbbb", 1, 2),
                                                    ProbeUpload("car-aaaaaaaa", 2, 4)})),
                          Message("m2", BatchBody("car-cccccccc", 1, 1))});
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.deletable, (std::vector<size_t>{0, 1}));
  EXPECT_EQ(TotalReports(), 10);
  EXPECT_EQ(metrics_.batches_committed.load(), 4);
  EXPECT_EQ(metrics_.reports.load(), 10);
  // The ledger names the message each upload came in.
  EXPECT_EQ(QueryValue<int64_t>("SELECT count(*) FROM ingest_ledger WHERE message_id = 'm1'"), 3);
  EXPECT_EQ(QueryValue<int64_t>("SELECT count(*) FROM ingest_ledger WHERE message_id = 'm2'"), 1);
}

TEST_F(MessageProcessorTest, SameUploadInTwoPackedMessagesCountsOnce) {
  const v1::QueuedBatch retried = ProbeUpload("car-aaaaaaaa", 9, 2);
  ProcessResult r =
      processor_.Process({Message("m1", PackedBody({ProbeUpload("car-bbbbbbbb", 1, 1), retried})),
                          Message("m2", PackedBody({retried, ProbeUpload("car-cccccccc", 1, 3)}))});
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.deletable, (std::vector<size_t>{0, 1}));
  EXPECT_EQ(TotalReports(), 6);
  EXPECT_EQ(metrics_.batches_committed.load(), 3);
  EXPECT_EQ(metrics_.batches_duplicate.load(), 1);
}

TEST_F(MessageProcessorTest, RedeliveredPackedMessageCountsNothingNew) {
  const std::string body =
      PackedBody({ProbeUpload("car-aaaaaaaa", 1, 2), ProbeUpload("car-bbbbbbbb", 1, 3)});
  ASSERT_TRUE(processor_.Process({Message("m1", body)}).status.ok());
  ProcessResult again = processor_.Process({Message("m1", body)});
  ASSERT_TRUE(again.status.ok());
  EXPECT_EQ(again.deletable, (std::vector<size_t>{0}));
  EXPECT_EQ(TotalReports(), 5);
  EXPECT_EQ(metrics_.batches_committed.load(), 2);
  EXPECT_EQ(metrics_.batches_duplicate.load(), 2);
}

TEST_F(MessageProcessorTest, PackedMessageWithOneBadUploadIsPoisonWhole) {
  ProcessResult r = processor_.Process(
      {Message("bad", PackedBody({ProbeUpload("car-aaaaaaaa", 1, 2), ProbeUpload("", 1, 3)})),
       Message("ok", BatchBody("car-bbbbbbbb", 1, 1))});
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.deletable, (std::vector<size_t>{1}));
  EXPECT_EQ(r.poison, (std::vector<size_t>{0}));
  EXPECT_EQ(metrics_.poison_messages.load(), 1);
  EXPECT_EQ(TotalReports(), 1);  // not even the good upload of the poison message
}

TEST_F(MessageProcessorTest, TimeBeyondTimestamptzIsPoisonAndTheGroupStillCommits) {
  // 2^62 ms overflows nothing in C++ but is no PostgreSQL timestamptz ("interval out of range"):
  // it used to fail the group's transaction on every receive, good messages included.
  v1::QueuedBatch far = ProbeUpload("car-aaaaaaaa", 1, 1);
  far.mutable_batch()->mutable_reports(0)->set_observed_time_ms(int64_t{1} << 62);
  ProcessResult r = processor_.Process(
      {Message("far", LegacyBody(far)), Message("ok", BatchBody("car-bbbbbbbb", 1, 2))});
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.deletable, (std::vector<size_t>{1}));
  EXPECT_EQ(r.poison, (std::vector<size_t>{0}));
  EXPECT_EQ(TotalReports(), 2);
}

TEST_F(MessageProcessorTest, GroupPreparedOnAnotherThreadCommitsOnce) {
  std::vector<sqs::ReceivedMessage> messages = {Message("m1", BatchBody("car-aaaaaaaa", 7, 4))};
  PreparedGroup group;
  std::thread([&] { group = processor_.Prepare(messages); }).join();
  ASSERT_TRUE(processor_.Commit(std::move(group), messages).status.ok());
  EXPECT_EQ(TotalReports(), 4);
}

TEST_F(MessageProcessorTest, RedeliveryCountsEveryLayerOnce) {
  std::vector<sqs::ReceivedMessage> messages;
  for (int car = 0; car < 6; ++car) {
    messages.push_back(
        Message("m" + std::to_string(car), LayersBody("car-" + std::to_string(car), 1)));
  }
  ASSERT_TRUE(processor_.Process(messages).status.ok());
  ASSERT_TRUE(processor_.Process(messages).status.ok());  // every message redelivered
  EXPECT_EQ(QueryValue<int64_t>("SELECT reports FROM hazard_clusters"), 6);
  EXPECT_EQ(QueryValue<int64_t>("SELECT votes FROM speed_limit_votes"), 6);
  EXPECT_EQ(QueryValue<int64_t>("SELECT wiper_reports[3] FROM tile_stats"), 6);
  EXPECT_EQ(QueryValue<int64_t>("SELECT distinct_vehicles FROM map_tiles"), 6);
  EXPECT_EQ(QueryValue<int64_t>("SELECT hll_cardinality(vehicles_hll) FROM hazard_clusters"), 6);
  EXPECT_EQ(QueryValue<int64_t>("SELECT limit_kmh FROM speed_limits"), 50);
}

TEST_F(MessageProcessorTest, DatabaseDownLeavesValidMessagesOnTheQueue) {
  db::IngestStore down("host=127.0.0.1 port=1 dbname=roadsense user=roadsense connect_timeout=2");
  MessageProcessor processor(&down, 300, &metrics_);
  ProcessResult r =
      processor.Process({Message("ok", BatchBody("car-aaaaaaaa", 1, 1)), Message("bad", "???")});
  EXPECT_EQ(r.status.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(r.deletable.empty());  // nothing, not even the poison one
  EXPECT_EQ(r.poison, (std::vector<size_t>{1}));
  EXPECT_EQ(metrics_.database_errors.load(), 1);
}

TEST_F(MessageProcessorTest, StaleConnectionIsReplacedTransparently) {
  ASSERT_TRUE(processor_.Process({Message("m1", BatchBody("car-aaaaaaaa", 1, 1))}).status.ok());
  // Kill this store's backend, as a PostgreSQL restart would: the next transaction finds the
  // connection broken, reconnects and reruns.
  QueryValue<bool>(
      "SELECT bool_or(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = "
      "'roadsense' AND pid <> pg_backend_pid() AND backend_type = 'client backend'");
  ProcessResult r = processor_.Process({Message("m2", BatchBody("car-aaaaaaaa", 2, 1))});
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.deletable, (std::vector<size_t>{0}));
  EXPECT_EQ(TotalReports(), 2);
}

TEST(VisitEntryBatches, GivesEachEntryItsOwnUploadInOrder) {
  WorkerMetrics metrics;
  const MessageProcessor processor(nullptr, 300, &metrics);  // Prepare never touches the store
  const std::vector<sqs::ReceivedMessage> messages = {
      Message("m1",
              PackedBody({ProbeUpload("car-aaaaaaaa", 1, 1), ProbeUpload("car-bbbbbbbb", 1, 2)})),
      Message("bad", "not a body"),
      Message("m2",
              PackedBody({ProbeUpload("car-aaaaaaaa", 1, 1), ProbeUpload("car-cccccccc", 7, 3)})),
      Message("m3", BatchBody("car-dddddddd", 2, 4))};
  const PreparedGroup group = processor.Prepare(messages);
  ASSERT_EQ(group.entries.size(), 4u);
  std::vector<uint32_t> from;  // the valid messages only, m2's repeat of car-a left out
  for (const UploadRef& ref : group.uploads) from.push_back(ref.message);
  EXPECT_EQ(from, (std::vector<uint32_t>{0, 0, 2, 3}));
  std::vector<std::string> seen;
  ASSERT_TRUE(VisitEntryBatches(group, messages, [&](size_t i, const v1::ReportBatch& batch) {
    EXPECT_EQ(batch.envelope().vehicle_pseudonym(), group.entries[i].key.vehicle_pseudonym);
    EXPECT_EQ(static_cast<int64_t>(batch.envelope().batch_sequence()),
              group.entries[i].key.batch_sequence);
    seen.push_back(batch.envelope().vehicle_pseudonym() + "/" +
                   std::to_string(batch.reports_size()));
  }));
  EXPECT_EQ(seen, (std::vector<std::string>{"car-aaaaaaaa/1", "car-bbbbbbbb/2", "car-cccccccc/3",
                                            "car-dddddddd/4"}));
}

}  // namespace
}  // namespace roadsense::worker
