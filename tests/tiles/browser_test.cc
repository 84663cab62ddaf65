// The web map in a real browser during a pipeline run: PostgreSQL, roadsense-queue, a receiver, a
// worker and the simulator write the map; roadsense-tiles serves it (read-only role) with
// --web-root web/; tests/tiles/browser/map_test.mjs drives headless Debian Chromium through
// playwright-core: traffic tiles and the seeded hazards are drawn, a hazard uploaded meanwhile
// appears without a reload. The screenshot lands in the build directory (tiles_map_test.png).
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <pqxx/pqxx>
#include <thread>

#include "net/http_client.h"
#include "tests/support/child_process.h"
#include "tests/support/test_postgres.h"

namespace roadsense::testing {
namespace {

using namespace std::chrono_literals;

std::string SourceDir() {
  const char* dir = std::getenv("ROADSENSE_SOURCE_DIR");
  return dir != nullptr ? dir : ".";
}

int HttpStatus(int port, const std::string& target) {
  net::HttpClient client("127.0.0.1", static_cast<uint16_t>(port));
  net::HttpRequest req;
  req.method = "GET";
  req.target = target;
  auto res = client.RoundTrip(req, 5s);
  return res.ok() ? res->status : 0;
}

TEST(BrowserTest, MapShowsTilesAndHazardsAndANewHazardWithoutReload) {
  const std::string web = SourceDir() + "/web";
  ASSERT_TRUE(std::filesystem::exists(web + "/node_modules/maplibre-gl/dist/maplibre-gl.js"))
      << "run scripts/setup (npm ci in web/)";
  ASSERT_TRUE(std::filesystem::exists(web + "/node_modules/playwright-core"))
      << "run scripts/setup (npm ci in web/)";
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/chromium")) << "run scripts/setup (chromium)";

  TempDir dir;
  TestPostgres pg;
  const int queue_port = FreePort(), receiver_port = FreePort(), tiles_port = FreePort();
  const std::string queue_url =
      "http://127.0.0.1:" + std::to_string(queue_port) + "/000000000000/browser-reports";
  ChildProcess queue, receiver, worker, tiles, sim, browser;
  auto logs = [&] {
    return "--- worker\n" + worker.ReadLog() + "--- tiles\n" + tiles.ReadLog() + "--- sim\n" +
           sim.ReadLog() + "--- browser\n" + browser.ReadLog();
  };
  queue.Start({BinaryPath("roadsense-queue"), "--listen", "127.0.0.1:" + std::to_string(queue_port),
               "--data-dir", dir.path() + "/queue"},
              dir.path() + "/queue.log");
  ASSERT_TRUE(WaitForPort(queue_port, 10s)) << queue.ReadLog();
  receiver.Start({BinaryPath("roadsense-receiver"), "--listen",
                  "127.0.0.1:" + std::to_string(receiver_port), "--queue-url", queue_url},
                 dir.path() + "/receiver.log");
  ASSERT_TRUE(WaitForPort(receiver_port, 10s)) << receiver.ReadLog();
  worker.Start({BinaryPath("roadsense-worker"), "--queue-url", queue_url, "--db",
                pg.ConnectionString(), "--wait-seconds", "1"},
               dir.path() + "/worker.log");

  // The simulator's fleet drives through Munich, passing its seeded hazard sites.
  // No --verify: its hazard-quality thresholds are the e2e pipeline test's business.
  constexpr int64_t kReports = 80000;
  sim.Start(
      {BinaryPath("roadsense-sim"), "--target", "http://127.0.0.1:" + std::to_string(receiver_port),
       "--vehicles", "200", "--reports", std::to_string(kReports)},
      dir.path() + "/sim.log");
  ASSERT_EQ(sim.Wait(180s), 0) << logs();
  // Every acknowledged report is in PostgreSQL once the worker drained the queue.
  const auto drained = std::chrono::steady_clock::now() + 60s;
  while (true) {
    pqxx::connection c(pg.ConnectionString());
    pqxx::work txn(c);
    if (txn.exec1("SELECT coalesce(sum(reports), 0) FROM tile_stats")[0].as<int64_t>() >= kReports)
      break;
    ASSERT_LT(std::chrono::steady_clock::now(), drained) << logs();
    std::this_thread::sleep_for(100ms);
  }

  std::string reader = pg.ConnectionString();
  reader.replace(reader.find("user=roadsense"), 14, "user=roadsense_tiles");
  tiles.Start({BinaryPath("roadsense-tiles"), "--listen", "127.0.0.1:" + std::to_string(tiles_port),
               "--db", reader, "--web-root", web},
              dir.path() + "/tiles.log");
  ASSERT_TRUE(WaitForPort(tiles_port, 10s)) << tiles.ReadLog();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (HttpStatus(tiles_port, "/readyz") != 200) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << tiles.ReadLog();
    std::this_thread::sleep_for(50ms);
  }

  const std::string screenshot =
      std::filesystem::path(BinaryPath("roadsense-tiles")).parent_path().parent_path() /
      "tiles_map_test.png";
  std::filesystem::remove(screenshot);
  browser.Start(
      {"/usr/bin/node", SourceDir() + "/tests/tiles/browser/map_test.mjs", "--url",
       "http://127.0.0.1:" + std::to_string(tiles_port) + "/?center=48.137,11.575&zoom=12",
       "--receiver", "http://127.0.0.1:" + std::to_string(receiver_port), "--screenshot",
       screenshot, "--web", web},
      dir.path() + "/browser.log");
  EXPECT_EQ(browser.Wait(180s), 0) << logs();
  EXPECT_TRUE(std::filesystem::exists(screenshot)) << browser.ReadLog();
  std::cout << browser.ReadLog();
  EXPECT_EQ(tiles.Stop(SIGTERM), 0) << tiles.ReadLog();
}

}  // namespace
}  // namespace roadsense::testing
