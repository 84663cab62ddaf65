#include "tiles/event_hub.h"

#include <gtest/gtest.h>

#include <future>

namespace roadsense::tiles {
namespace {

struct Delivery {
  std::vector<HubEvent> events;
  bool missed = false;
};

std::future<Delivery> Wait(EventHub& hub, uint64_t last_id) {
  auto promise = std::make_shared<std::promise<Delivery>>();
  hub.Wait(last_id, [promise](std::vector<HubEvent> events, bool missed) {
    promise->set_value({std::move(events), missed});
  });
  return promise->get_future();
}

TEST(EventHubTest, AWaiterGetsTheNextPublishedEvent) {
  EventHub hub(16, std::chrono::seconds(30));
  auto delivery = Wait(hub, 0);
  EXPECT_EQ(hub.waiters(), 1u);
  hub.Publish("traffic", "{}");
  Delivery d = delivery.get();
  ASSERT_EQ(d.events.size(), 1u);
  EXPECT_EQ(d.events[0].id, 1u);
  EXPECT_EQ(d.events[0].type, "traffic");
  EXPECT_FALSE(d.missed);
}

TEST(EventHubTest, AReconnectingClientGetsWhatItMissedAtOnce) {
  EventHub hub(16, std::chrono::seconds(30));
  hub.Publish("traffic", "a");
  hub.Publish("hazards", "b");
  hub.Publish("traffic", "c");
  Delivery d = Wait(hub, 1).get();
  ASSERT_EQ(d.events.size(), 2u);
  EXPECT_EQ(d.events[0].data, "b");
  EXPECT_EQ(d.events[1].id, 3u);
}

TEST(EventHubTest, EventsThatLeftTheRingAreReportedMissed) {
  EventHub hub(2, std::chrono::seconds(30));
  for (int i = 0; i < 5; ++i) hub.Publish("traffic", std::to_string(i));
  Delivery d = Wait(hub, 1).get();
  EXPECT_TRUE(d.missed);
  ASSERT_EQ(d.events.size(), 2u);
  EXPECT_EQ(d.events[0].id, 4u);
  // An id from the future (a restarted server) is missed too.
  EXPECT_TRUE(Wait(hub, 99).get().missed);
}

TEST(EventHubTest, AWaiterWithoutNewsGetsNothingAfterMaxWait) {
  EventHub hub(16, std::chrono::milliseconds(50));
  Delivery d = Wait(hub, 0).get();
  EXPECT_TRUE(d.events.empty());
  EXPECT_FALSE(d.missed);
  EXPECT_EQ(hub.waiters(), 0u);
}

TEST(EventHubTest, StopAnswersEveryWaiter) {
  EventHub hub(16, std::chrono::seconds(30));
  auto a = Wait(hub, 0);
  auto b = Wait(hub, 0);
  hub.Stop();
  EXPECT_TRUE(a.get().events.empty());
  EXPECT_TRUE(b.get().events.empty());
  EXPECT_TRUE(Wait(hub, 0).get().events.empty());
}

}  // namespace
}  // namespace roadsense::tiles
