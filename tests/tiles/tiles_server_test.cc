// roadsense-tiles as a process against a real PostgreSQL with PostGIS, connected as the
// read-only role roadsense_tiles: vector tiles with ETag/gzip/CORS, cache invalidation by
// LISTEN/NOTIFY, Server-Sent Events, GeoJSON, probes, the web root.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "core/gzip_codec.h"
#include "net/http_client.h"
#include "tests/net/raw_http_client.h"
#include "tests/support/child_process.h"
#include "tests/tiles/map_fixture.h"
#include "tests/tiles/mvt_decoder.h"

namespace roadsense::tiles {
namespace {

using namespace std::chrono_literals;
using roadsense::testing::BinaryPath;
using roadsense::testing::ChildProcess;
using roadsense::testing::FreePort;
using roadsense::testing::RawHttpClient;
using roadsense::testing::TempDir;
using roadsense::testing::WaitForPort;

class TilesServerTest : public MapFixture {
 protected:
  void SetUp() override {
    MapFixture::SetUp();
    if (HasFatalFailure()) return;
    const std::string web = dir_.path() + "/web";
    std::filesystem::create_directories(web + "/node_modules/maplibre-gl/dist");
    std::filesystem::create_directories(web + "/node_modules/playwright-core");
    std::ofstream(web + "/index.html") << "<html>map</html>";
    std::ofstream(web + "/node_modules/maplibre-gl/dist/maplibre-gl.js") << "// lib";
    std::ofstream(web + "/node_modules/playwright-core/index.js") << "// not served";
    std::ofstream(dir_.path() + "/secret.txt") << "secret";
    port_ = FreePort();
    server_.Start({BinaryPath("roadsense-tiles"), "--listen", "127.0.0.1:" + std::to_string(port_),
                   "--db", ReaderConnectionString(), "--web-root", web, "--events-wait-ms", "1500"},
                  dir_.path() + "/tiles.log");
    ASSERT_TRUE(WaitForPort(port_, 10s)) << server_.ReadLog();
    // Ready = the LISTEN connection is up: commits from now on invalidate and stream.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (Get("/readyz").status != 200) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << server_.ReadLog();
      std::this_thread::sleep_for(20ms);
    }
  }

  void TearDown() override {
    if (server_.running()) {
      EXPECT_EQ(server_.Stop(SIGTERM), 0) << server_.ReadLog();
    }
  }

  net::HttpResponse Get(const std::string& target, net::HttpHeaders headers = {}) {
    net::HttpClient client("127.0.0.1", static_cast<uint16_t>(port_));
    net::HttpRequest req;
    req.method = "GET";
    req.target = target;
    req.headers = std::move(headers);
    Result<net::HttpResponse> res = client.RoundTrip(req, 20s);
    EXPECT_TRUE(res.ok()) << res.status().ToString();
    return res.ok() ? *res : net::HttpResponse{599, {}, ""};
  }

  static std::string TilePath(int z, int x, int y) {
    return "/tiles/" + std::to_string(z) + "/" + std::to_string(x) + "/" + std::to_string(y) +
           ".mvt";
  }

  static std::map<std::string, MvtLayer> Decode(const net::HttpResponse& res) {
    std::string body = res.body;
    if (res.Header("Content-Encoding") == "gzip") {
      Result<std::string> plain = GzipDecompress(body, 1 << 24);
      EXPECT_TRUE(plain.ok());
      body = plain.ok() ? *plain : "";
    }
    Result<std::map<std::string, MvtLayer>> layers = DecodeMvt(body);
    EXPECT_TRUE(layers.ok()) << layers.status().ToString();
    return layers.ok() ? *layers : std::map<std::string, MvtLayer>{};
  }

  // The `id:` of the event whose block contains `at` (the line before `event:`).
  static uint64_t EventId(const std::string& stream, size_t at) {
    const size_t id_at = stream.rfind("id: ", at);
    EXPECT_NE(id_at, std::string::npos) << stream;
    if (id_at == std::string::npos) return 0;
    return std::stoull(stream.substr(id_at + 4, stream.find('\n', id_at) - id_at - 4));
  }

  TempDir dir_;
  int port_ = 0;
  ChildProcess server_;
};

TEST_F(TilesServerTest, ServesAVectorTileWithEtagGzipAndCors) {
  AddTraffic(kAx, kAy, 0, 6);
  net::HttpResponse res = Get(TilePath(16, kAx, kAy), {{"Accept-Encoding", "gzip, deflate"}});
  ASSERT_EQ(res.status, 200) << res.body << server_.ReadLog();
  EXPECT_EQ(res.Header("Content-Type"), "application/vnd.mapbox-vector-tile");
  EXPECT_EQ(res.Header("Content-Encoding"), "gzip");
  EXPECT_EQ(res.Header("Access-Control-Allow-Origin"), "*");
  EXPECT_NE(res.Header("Cache-Control").find("max-age="), std::string_view::npos);
  EXPECT_FALSE(res.Header("ETag").empty());
  auto layers = Decode(res);
  ASSERT_EQ(layers["traffic"].features.size(), 1u);
  EXPECT_EQ(layers["traffic"].features[0].Number("reports"), 6);
  // Without Accept-Encoding: the plain tile, same ETag.
  net::HttpResponse plain = Get(TilePath(16, kAx, kAy));
  EXPECT_TRUE(plain.Header("Content-Encoding").empty());
  EXPECT_EQ(plain.Header("ETag"), res.Header("ETag"));
  EXPECT_EQ(Decode(plain)["traffic"].features.size(), 1u);
}

TEST_F(TilesServerTest, IfNoneMatchWithTheCurrentEtagAnswers304) {
  AddTraffic(kAx, kAy, 0, 6);
  const std::string etag(Get(TilePath(16, kAx, kAy)).Header("ETag"));
  net::HttpResponse res = Get(TilePath(16, kAx, kAy), {{"If-None-Match", etag}});
  EXPECT_EQ(res.status, 304);
  EXPECT_TRUE(res.body.empty());
  EXPECT_EQ(Get(TilePath(16, kAx, kAy), {{"If-None-Match", "\"other\""}}).status, 200);
}

TEST_F(TilesServerTest, ACommitInvalidatesTheCachedTilesAboveIt) {
  AddTraffic(kAx, kAy, 0, 6);
  // Let the server apply this commit's notification first: arriving after the fill below, it
  // would rightly invalidate the tile and there would be no cache hit to count (seen when slow,
  // e.g. under ASan).
  const auto applied = std::chrono::steady_clock::now() + 10s;
  while (Get("/metrics").body.find("roadsense_tiles_notifications_total 0\n") !=
         std::string::npos) {
    ASSERT_LT(std::chrono::steady_clock::now(), applied) << server_.ReadLog();
    std::this_thread::sleep_for(20ms);
  }
  const int z = 12;
  net::HttpResponse first = Get(TilePath(z, kAx >> 4, kAy >> 4));
  ASSERT_EQ(Decode(first)["traffic"].features.at(0).Number("reports"), 6);
  // Cached now: the same answer again.
  EXPECT_EQ(Get(TilePath(z, kAx >> 4, kAy >> 4)).Header("ETag"), first.Header("ETag"));

  AddTraffic(kAx, kAy, 100, 6);  // the worker's commit path: NOTIFY tiles_changed at commit
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  net::HttpResponse now;
  do {
    std::this_thread::sleep_for(20ms);
    now = Get(TilePath(z, kAx >> 4, kAy >> 4));
  } while (now.Header("ETag") == first.Header("ETag") &&
           std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(Decode(now)["traffic"].features.at(0).Number("reports"), 12);
  const std::string metrics = Get("/metrics").body;
  EXPECT_NE(metrics.find("roadsense_tiles_cache_hits_total 1"), std::string::npos) << metrics;
  EXPECT_EQ(metrics.find("roadsense_tiles_cache_invalidations_total 0"), std::string::npos);
}

TEST_F(TilesServerTest, EventsArriveOnOneOpenStreamAsCommitsHappen) {
  RawHttpClient client(static_cast<uint16_t>(port_), /*tls=*/false);
  client.Send("GET /v1/events HTTP/1.1\r\nHost: test\r\n\r\n");
  ASSERT_TRUE(client.ReadUntil("event: hello\n", 10s)) << client.received();
  EXPECT_NE(client.received().find("Content-Type: text/event-stream"), std::string::npos);
  EXPECT_NE(client.received().find("Transfer-Encoding: chunked"), std::string::npos);
  const uint64_t hello_id = EventId(client.received(), client.received().find("event: hello"));

  // Two commits, one after the other: both events come down the same, still open, connection.
  for (int i = 1; i <= 2; ++i) {
    const size_t from = client.received().size();
    AddHazard(kAx * 4 + i, kAy * 4 + 2, 0, 6);
    ASSERT_TRUE(client.ReadUntil("event: hazards\n", 10s, from)) << client.received();
    ASSERT_TRUE(client.ReadUntil("\n\n", 10s, client.received().find("event: hazards", from)));
    const std::string tile =
        "[" + std::to_string(kAx * 4 + i) + "," + std::to_string(kAy * 4 + 2) + "]";
    EXPECT_NE(client.received().find(tile, from), std::string::npos) << client.received();
    EXPECT_EQ(EventId(client.received(), client.received().find("event: hazards", from)),
              hello_id + i);
  }
}

TEST_F(TilesServerTest, AReconnectingClientResumesAfterLastEventId) {
  uint64_t hello_id = 0;
  {
    RawHttpClient client(static_cast<uint16_t>(port_), /*tls=*/false);
    client.Send("GET /v1/events HTTP/1.1\r\nHost: test\r\n\r\n");
    ASSERT_TRUE(client.ReadUntil("event: hello\n", 10s)) << client.received();
    hello_id = EventId(client.received(), client.received().find("event: hello"));
  }
  // Committed while no client is connected: the ring keeps it for the one that comes back.
  AddHazard(kAx * 4 + 3, kAy * 4 + 2, 0, 6);
  RawHttpClient client(static_cast<uint16_t>(port_), /*tls=*/false);
  client.Send("GET /v1/events HTTP/1.1\r\nHost: test\r\nLast-Event-ID: " +
              std::to_string(hello_id) + "\r\n\r\n");
  ASSERT_TRUE(client.ReadUntil("event: hazards\n", 10s)) << client.received();
  EXPECT_EQ(client.received().find("event: hello"), std::string::npos);
  EXPECT_EQ(EventId(client.received(), client.received().find("event: hazards")), hello_id + 1);
}

TEST_F(TilesServerTest, AnIdleEventStreamGetsKeepAliveComments) {
  RawHttpClient client(static_cast<uint16_t>(port_), /*tls=*/false);
  client.Send("GET /v1/events HTTP/1.1\r\nHost: test\r\n\r\n");
  ASSERT_TRUE(client.ReadUntil("event: hello\n", 10s)) << client.received();
  // --events-wait-ms 1500: two heartbeats on the same connection.
  ASSERT_TRUE(client.ReadUntil(": keep-alive\n\n", 10s)) << client.received();
  ASSERT_TRUE(
      client.ReadUntil(": keep-alive\n\n", 10s, client.received().find(": keep-alive\n\n") + 1))
      << client.received();
}

TEST_F(TilesServerTest, HazardsAndCellsAsGeoJson) {
  AddTraffic(kAx, kAy, 0, 6);
  AddHazard(kAx * 4 + 1, kAy * 4 + 2, 0, 6, 5);
  AddHazard(kAx * 4 + 3, kAy * 4 + 3, 0, 2, 3);  // below k
  net::HttpResponse hazards = Get("/v1/hazards?bbox=11.5,48.1,11.6,48.2");
  ASSERT_EQ(hazards.status, 200) << hazards.body;
  EXPECT_EQ(hazards.Header("Content-Type"), "application/geo+json");
  EXPECT_NE(hazards.body.find("\"hazard\" : \"accident\""), std::string::npos) << hazards.body;
  EXPECT_EQ(hazards.body.find("breakdown"), std::string::npos) << hazards.body;
  EXPECT_NE(hazards.body.find("\"type\":\"Point\""), std::string::npos) << hazards.body;

  net::HttpResponse cells = Get("/v1/tiles?bbox=11.5,48.1,11.6,48.2&layer=traffic&z=14");
  ASSERT_EQ(cells.status, 200) << cells.body;
  EXPECT_NE(cells.body.find("\"reports\": 6"), std::string::npos) << cells.body;
  EXPECT_NE(cells.body.find("\"Polygon\""), std::string::npos) << cells.body;
  EXPECT_EQ(Get("/v1/hazards?bbox=2.3,48.8,2.4,48.9").body.find("accident"), std::string::npos);
  EXPECT_EQ(Get("/v1/tiles?bbox=-180,-85,180,85&layer=traffic").status, 400);
  EXPECT_EQ(Get("/v1/tiles?bbox=11.5,48.1&layer=traffic").status, 400);
  EXPECT_EQ(Get("/v1/tiles?bbox=11.5,48.1,11.6,48.2&layer=nope").status, 400);
}

TEST_F(TilesServerTest, ProbesAndMetrics) {
  EXPECT_EQ(Get("/healthz").status, 200);
  EXPECT_EQ(Get("/readyz").status, 200);
  Get(TilePath(16, kAx, kAy));
  const std::string metrics = Get("/metrics").body;
  EXPECT_NE(metrics.find("roadsense_tiles_responses_total{route=\"tiles\",status=\"200\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("roadsense_tiles_query_seconds_count 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("roadsense_tiles_ready 1"), std::string::npos);
}

TEST_F(TilesServerTest, BadTilePathsAre404) {
  EXPECT_EQ(Get("/tiles/17/0/0.mvt").status, 404);
  EXPECT_EQ(Get("/tiles/2/4/0.mvt").status, 404);
  EXPECT_EQ(Get("/tiles/2/1/1.png").status, 404);
  EXPECT_EQ(Get("/tiles/2/1/1.mvt?bucket=x").status, 400);
}

TEST_F(TilesServerTest, ServesTheWebMapButNothingElseFromDisk) {
  net::HttpResponse index = Get("/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<html>map</html>");
  EXPECT_EQ(index.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(Get("/node_modules/maplibre-gl/dist/maplibre-gl.js").status, 200);
  EXPECT_EQ(Get("/node_modules/playwright-core/index.js").status, 404);
  EXPECT_EQ(Get("/../secret.txt").status, 404);
  EXPECT_EQ(Get("/%2e%2e/secret.txt").status, 404);
}

}  // namespace
}  // namespace roadsense::tiles
