#include "tests/reliability/fault_pipeline.h"

#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <pqxx/pqxx>
#include <sstream>
#include <thread>

#include "core/digest.h"
#include "net/http_client.h"
#include "sqs/sqs_client.h"

namespace roadsense::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kFleet = "faults-fleet";
constexpr const char* kKey = "faults-secret";

int64_t UnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int SecondsFromEnvironment(const char* name, int fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return fallback;
  const int seconds = std::atoi(value);
  return seconds > 0 ? seconds : fallback;
}

FaultPipeline::FaultPipeline()
    : queue_url_("http://127.0.0.1:" + std::to_string(queue_port_) + "/000000000000/faults") {
  std::ofstream(dir_.path() + "/keys") << kFleet << " " << Sha256Hex(kKey) << "\n";
  std::ofstream(dir_.path() + "/api-key") << kKey << "\n";
}

FaultPipeline::~FaultPipeline() {
  // A frozen process ignores SIGKILL's delivery until continued; thaw it first.
  if (queue_.pid() > 0) ::kill(queue_.pid(), SIGCONT);
}

void FaultPipeline::StartQueue() {
  queue_.Start({BinaryPath("roadsense-queue"), "--listen",
                "127.0.0.1:" + std::to_string(queue_port_), "--data-dir", dir_.path() + "/queue"},
               dir_.path() + "/queue.log");
}

bool FaultPipeline::StartQueueAndReceiver(std::string* why) {
  StartQueue();
  if (!WaitForPort(queue_port_, 10s)) {
    *why = "queue did not start\n" + Logs();
    return false;
  }
  receiver_.Start(
      {BinaryPath("roadsense-receiver"), "--listen", "127.0.0.1:" + std::to_string(receiver_port_),
       "--queue-url", queue_url_, "--keys-file", dir_.path() + "/keys"},
      dir_.path() + "/receiver.log");
  if (!WaitForPort(receiver_port_, 10s)) {
    *why = "receiver did not start\n" + Logs();
    return false;
  }
  return true;
}

void FaultPipeline::KillQueue() { queue_.Stop(SIGKILL); }
void FaultPipeline::FreezeQueue() { ::kill(queue_.pid(), SIGSTOP); }
void FaultPipeline::ThawQueue() { ::kill(queue_.pid(), SIGCONT); }

void FaultPipeline::StartWorkers(int count) {
  for (int i = 0; i < count; ++i) {
    auto worker = std::make_unique<ChildProcess>();
    // A short visibility timeout, so that messages held by a worker that lost its database or
    // its queue come back quickly.
    worker->Start({BinaryPath("roadsense-worker"), "--queue-url", queue_url_, "--db",
                   pg_.ConnectionString(), "--visibility-timeout", "3", "--wait-seconds", "1"},
                  dir_.path() + "/worker-" + std::to_string(workers_.size() + 1) + ".log");
    workers_.push_back(std::move(worker));
  }
}

void FaultPipeline::StartSimulator(int reports_per_second, int seconds,
                                   std::vector<std::string> extra) {
  std::vector<std::string> argv = {BinaryPath("roadsense-sim"),
                                   "--target",
                                   "http://127.0.0.1:" + std::to_string(receiver_port_),
                                   "--vehicles",
                                   "200",
                                   "--rate",
                                   std::to_string(reports_per_second),
                                   "--duration-s",
                                   std::to_string(seconds),
                                   "--reports-per-batch",
                                   "50",
                                   "--concurrency",
                                   "16",
                                   "--seed",
                                   "11",
                                   "--fleet-id",
                                   kFleet,
                                   "--api-key-file",
                                   dir_.path() + "/api-key",
                                   "--verify",
                                   "--db",
                                   pg_.ConnectionString(),
                                   "--queue-url",
                                   queue_url_,
                                   "--out",
                                   dir_.path() + "/results.json"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  sim_.Start(argv, dir_.path() + "/sim.log");
}

int FaultPipeline::WaitSimulator(std::chrono::seconds timeout) { return sim_.Wait(timeout); }

int64_t FaultPipeline::ReportsInDatabase() {
  try {
    pqxx::connection conn(pg_.ConnectionString());
    pqxx::work tx(conn);
    return tx.exec1("SELECT coalesce(sum(reports), 0) FROM tile_stats")[0].as<int64_t>();
  } catch (const std::exception&) {
    return -1;  // down, or the first worker has not applied the migrations yet
  }
}

bool FaultPipeline::WaitForReportsInDatabase(int64_t at_least, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ReportsInDatabase() >= at_least) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

int64_t FaultPipeline::QueueBacklog() {
  auto options = sqs::SqsClientOptions::ForQueueUrl(queue_url_);
  if (!options.ok()) return -1;
  options->max_attempts = 1;
  options->request_timeout = 2s;
  sqs::SqsClient client(*options);
  auto attributes = client.GetQueueAttributes(
      queue_url_, {"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"});
  if (!attributes.ok()) return -1;
  return std::stoll((*attributes)["ApproximateNumberOfMessages"]) +
         std::stoll((*attributes)["ApproximateNumberOfMessagesNotVisible"]);
}

Result<net::HttpResponse> FaultPipeline::UploadOne(std::chrono::milliseconds timeout) {
  // Observed two days ago and far from the simulated area: outside the buckets the simulator
  // verifies, so a probe that does get stored cannot disturb its exact totals.
  const int64_t now = UnixMs();
  const std::string body =
      R"({"envelope": {"vehiclePseudonym": "faults_probe-0001", "batchSequence": ")" +
      std::to_string(++upload_sequence_) + R"(", "sentTimeMs": ")" + std::to_string(now) +
      R"(", "fleetId": ")" + kFleet + R"("}, "reports": [{"observedTimeMs": ")" +
      std::to_string(now - 2 * 86400 * 1000) +
      R"(", "position": {"latE7": 535511000, "lonE7": 99937000}, "probe": {}}]})";
  net::HttpClient client("127.0.0.1", static_cast<uint16_t>(receiver_port_));
  net::HttpRequest request;
  request.method = "POST";
  request.target = "/v1/reports";
  request.headers = {{"Content-Type", "application/json"},
                     {"Authorization", std::string("Bearer ") + kFleet + ":" + kKey}};
  request.body = body;
  return client.RoundTrip(request, timeout);
}

std::string FaultPipeline::Results() const {
  std::ifstream in(dir_.path() + "/results.json");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string FaultPipeline::VerifySummary() const {
  std::istringstream log(sim_.ReadLog());
  std::string line, last_progress, verdict;
  while (std::getline(log, line)) {
    if (line.find("uploads sent") != std::string::npos) last_progress = line + "\n";
    if (line.find("match exactly") != std::string::npos ||
        line.find("verify: OK") != std::string::npos ||
        line.find("verify: FAILED") != std::string::npos) {
      verdict += line + "\n";
    }
  }
  return last_progress + verdict;
}

std::string FaultPipeline::Logs() const {
  auto tail = [](const ChildProcess& p) {
    const std::string log = p.ReadLog();
    return log.size() > 6000 ? "…" + log.substr(log.size() - 6000) : log;
  };
  std::string out = "--- queue\n" + tail(queue_) + "--- receiver\n" + tail(receiver_);
  for (size_t i = 0; i < workers_.size(); ++i) {
    out += "--- worker-" + std::to_string(i + 1) + "\n" + tail(*workers_[i]);
  }
  return out + "--- sim\n" + tail(sim_);
}

}  // namespace roadsense::testing
