#include "tests/support/local_pipeline.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/digest.h"
#include "net/http_client.h"
#include "sqs/sqs_client.h"

namespace roadsense::testing {
namespace {

using namespace std::chrono_literals;

constexpr auto kListenTimeout = 30s;

std::string Local(int port) { return "127.0.0.1:" + std::to_string(port); }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int64_t UnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "no worker 3": the error for a process that was never started.
std::string NoSuchProcess(Tier tier, int index) {
  const char* names[] = {"queue", "receiver", "worker"};
  return std::string("no ") + names[static_cast<int>(tier)] + " " + std::to_string(index);
}

}  // namespace

LocalPipeline::LocalPipeline(LocalPipelineOptions options)
    : options_(std::move(options)),
      own_dir_(options_.dir.empty() ? std::make_optional<TempDir>() : std::nullopt),
      dir_(own_dir_ ? own_dir_->path() : options_.dir),
      queue_port_(FreePort()) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ + "/keys") << options_.fleet_id << " " << Sha256Hex(options_.api_key) << "\n";
  std::ofstream(api_key_file()) << options_.api_key << "\n";
}

LocalPipeline::~LocalPipeline() {
  // A stopped process is only reaped once it runs again: thaw before the members kill.
  for (Process* p : Processes()) {
    if (p->frozen && p->child.pid() > 0) ::kill(p->child.pid(), SIGCONT);
  }
}

std::string LocalPipeline::queue_url() const {
  return "http://" + Local(queue_port_) + "/000000000000/" + options_.queue_name;
}

std::string LocalPipeline::receiver_targets() const {
  std::string out;
  for (const auto& r : receivers_) out += (out.empty() ? "" : ",") + ("http://" + Local(r->port));
  return out;
}

Status LocalPipeline::StartQueue() {
  queue_ = std::make_unique<Process>();
  queue_->name = "queue";
  queue_->port = queue_port_;
  queue_->argv = {BinaryPath("roadsense-queue"), "--listen", Local(queue_port_), "--data-dir",
                  dir_ + "/queue-data"};
  return StartProcess(*queue_);
}

Status LocalPipeline::StartReceivers() {
  for (int i = 0; i < options_.receivers; ++i) {
    auto r = std::make_unique<Process>();
    r->name = "receiver-" + std::to_string(receivers_.size());
    r->port = FreePort();
    r->argv = {BinaryPath("roadsense-receiver"),
               "--listen",
               Local(r->port),
               "--queue-url",
               queue_url(),
               "--keys-file",
               dir_ + "/keys"};
    r->argv.insert(r->argv.end(), options_.receiver_flags.begin(), options_.receiver_flags.end());
    receivers_.push_back(std::move(r));
    if (Status s = StartProcess(*receivers_.back()); !s.ok()) return s;
  }
  return Status::Ok();
}

Status LocalPipeline::StartWorkers(int count) {
  for (int i = 0; i < count; ++i) {
    auto w = std::make_unique<Process>();
    w->name = "worker-" + std::to_string(workers_.size());
    // --wait-seconds 1: a worker long-polling a queue that was just killed notices soon.
    w->argv = {BinaryPath("roadsense-worker"),
               "--queue-url",
               queue_url(),
               "--db",
               db(),
               "--visibility-timeout",
               std::to_string(options_.worker_visibility_timeout_s),
               "--wait-seconds",
               "1"};
    workers_.push_back(std::move(w));
    if (Status s = StartProcess(*workers_.back()); !s.ok()) return s;
  }
  return Status::Ok();
}

Status LocalPipeline::WaitForMigrations(std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last_error;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      pqxx::connection conn(db());
      pqxx::work tx(conn);
      if (tx.exec1("SELECT to_regclass('tile_stats') IS NOT NULL")[0].as<bool>()) {
        return Status::Ok();
      }
      last_error = "tile_stats does not exist yet";
    } catch (const std::exception& e) {
      last_error = e.what();
    }
    std::this_thread::sleep_for(100ms);
  }
  return Unavailable("the workers did not create tile_stats: " + last_error);
}

Status LocalPipeline::Start(int workers) {
  if (Status s = StartQueue(); !s.ok()) return s;
  if (Status s = StartReceivers(); !s.ok()) return s;
  if (Status s = StartWorkers(workers); !s.ok()) return s;
  return WaitForMigrations(60s);
}

Status LocalPipeline::StartProcess(Process& p) {
  p.child.Start(p.argv, dir_ + "/" + p.name + ".log");
  p.killed = false;
  p.frozen = false;
  if (p.port != 0 && !WaitForPort(p.port, kListenTimeout)) {
    return Unavailable(p.name + " does not listen on port " + std::to_string(p.port) + " (see " +
                       p.child.log_path() + ")");
  }
  if (!p.child.running()) {
    return Unavailable(p.name + " exited at start (see " + p.child.log_path() + ")");
  }
  return Status::Ok();
}

LocalPipeline::Process* LocalPipeline::At(Tier tier, int index) {
  if (tier == Tier::kQueue) return index == 0 ? queue_.get() : nullptr;
  auto& tier_processes = tier == Tier::kReceiver ? receivers_ : workers_;
  if (index < 0 || static_cast<size_t>(index) >= tier_processes.size()) return nullptr;
  return tier_processes[static_cast<size_t>(index)].get();
}

LocalPipeline::Process& LocalPipeline::Get(Tier tier, int index) {
  Process* p = At(tier, index);
  if (p == nullptr) {
    throw std::out_of_range(NoSuchProcess(tier, index));
  }
  return *p;
}

std::vector<LocalPipeline::Process*> LocalPipeline::Processes() const {
  std::vector<Process*> all;
  if (queue_) all.push_back(queue_.get());
  for (auto& r : receivers_) all.push_back(r.get());
  for (auto& w : workers_) all.push_back(w.get());
  return all;
}

Status LocalPipeline::Kill(Tier tier, int index) {
  Process* p = At(tier, index);
  if (p == nullptr) return NotFound(NoSuchProcess(tier, index));
  if (!p->child.running()) {
    return Internal(p->name + " had already exited before the kill (see " + p->child.log_path() +
                    ")");
  }
  const int code = p->child.Stop(SIGKILL);
  p->killed = true;
  p->frozen = false;
  if (code != 128 + SIGKILL) {
    spdlog::warn("{} ended with {} instead of 137 on SIGKILL", p->name, code);
  }
  return Status::Ok();
}

Status LocalPipeline::Restart(Tier tier, int index) {
  Process* p = At(tier, index);
  if (p == nullptr) return NotFound(NoSuchProcess(tier, index));
  if (p->child.running()) return Internal(p->name + " still runs: kill it first");
  return StartProcess(*p);
}

Status LocalPipeline::KillAndRestart(Tier tier, int index, std::chrono::milliseconds downtime) {
  if (Status s = Kill(tier, index); !s.ok()) return s;
  std::this_thread::sleep_for(downtime);
  return Restart(tier, index);
}

Status LocalPipeline::Freeze(Tier tier, int index) {
  Process* p = At(tier, index);
  if (p == nullptr) return NotFound(NoSuchProcess(tier, index));
  if (!p->child.running()) return Internal(p->name + " is not running");
  ::kill(p->child.pid(), SIGSTOP);
  p->frozen = true;
  return Status::Ok();
}

Status LocalPipeline::Thaw(Tier tier, int index) {
  Process* p = At(tier, index);
  if (p == nullptr) return NotFound(NoSuchProcess(tier, index));
  if (!p->frozen) return Internal(p->name + " is not frozen");
  ::kill(p->child.pid(), SIGCONT);
  p->frozen = false;
  return Status::Ok();
}

Status LocalPipeline::RestartPostgres(TestPostgres::StopMode mode,
                                      std::chrono::milliseconds downtime) {
  const int port = postgres_.port();
  try {
    postgres_.Stop(mode);
    std::this_thread::sleep_for(downtime);
    postgres_.Start();
  } catch (const std::exception& e) {
    return Unavailable(std::string("PostgreSQL restart: ") + e.what());
  }
  if (postgres_.port() != port) {
    return Unavailable("PostgreSQL came back on port " + std::to_string(postgres_.port()) +
                       " instead of " + std::to_string(port));
  }
  return Status::Ok();
}

std::vector<std::string> LocalPipeline::RestartCrashed() {
  std::vector<std::string> crashed;
  for (Process* p : Processes()) {
    if (p->killed) continue;
    const int code = p->child.Wait(0ms);
    if (code == -1) continue;  // still running
    crashed.push_back(p->name + " (exit code " + std::to_string(code) + ")");
    spdlog::error("{} exited by itself with {} (see {}); restarting it", p->name, code,
                  p->child.log_path());
    if (Status s = StartProcess(*p); !s.ok()) spdlog::error("{}", s.ToString());
  }
  return crashed;
}

void LocalPipeline::StopAll() {
  simulator_.Stop(SIGTERM);
  std::vector<Process*> all = Processes();
  // Workers first, the queue last: each finishes what it holds while the next tier still runs.
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    Process* p = *it;
    if (p->frozen) ::kill(p->child.pid(), SIGCONT);
    p->child.Stop(SIGTERM);
    p->frozen = false;
    p->killed = true;
  }
}

void LocalPipeline::StartSimulator(const std::vector<std::string>& flags) {
  std::vector<std::string> argv = {BinaryPath("roadsense-sim"),
                                   "--target",
                                   receiver_targets(),
                                   "--fleet-id",
                                   options_.fleet_id,
                                   "--api-key-file",
                                   api_key_file(),
                                   "--verify",
                                   "--db",
                                   db(),
                                   "--queue-url",
                                   queue_url(),
                                   "--out",
                                   results_path()};
  argv.insert(argv.end(), flags.begin(), flags.end());
  simulator_.Start(argv, dir_ + "/sim.log");
}

int LocalPipeline::WaitSimulator(std::chrono::milliseconds timeout) {
  return simulator_.Wait(timeout);
}

int64_t LocalPipeline::ReportsInDatabase() {
  try {
    pqxx::connection conn(db());
    pqxx::work tx(conn);
    return tx.exec1("SELECT coalesce(sum(reports), 0) FROM tile_stats")[0].as<int64_t>();
  } catch (const std::exception&) {
    return -1;  // down, or the first worker has not applied the migrations yet
  }
}

bool LocalPipeline::WaitForReportsInDatabase(int64_t at_least, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ReportsInDatabase() >= at_least) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

int64_t LocalPipeline::QueueBacklog() {
  auto options = sqs::SqsClientOptions::ForQueueUrl(queue_url());
  if (!options.ok()) return -1;
  options->max_attempts = 1;
  options->request_timeout = 2s;
  sqs::SqsClient client(*options);
  auto attributes = client.GetQueueAttributes(
      queue_url(), {"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"});
  if (!attributes.ok()) return -1;
  return std::stoll((*attributes)["ApproximateNumberOfMessages"]) +
         std::stoll((*attributes)["ApproximateNumberOfMessagesNotVisible"]);
}

Result<net::HttpResponse> LocalPipeline::UploadOne(std::chrono::milliseconds timeout) {
  Process* receiver = At(Tier::kReceiver, 0);
  if (receiver == nullptr) return NotFound(NoSuchProcess(Tier::kReceiver, 0));
  const int64_t now = UnixMs();
  const std::string body =
      R"({"envelope": {"vehiclePseudonym": "local_probe-0001", "batchSequence": ")" +
      std::to_string(++upload_sequence_) + R"(", "sentTimeMs": ")" + std::to_string(now) +
      R"(", "fleetId": ")" + options_.fleet_id + R"("}, "reports": [{"observedTimeMs": ")" +
      std::to_string(now - 2 * 86400 * 1000) +
      R"(", "position": {"latE7": 535511000, "lonE7": 99937000}, "probe": {}}]})";
  net::HttpClient client("127.0.0.1", static_cast<uint16_t>(receiver->port));
  net::HttpRequest request;
  request.method = "POST";
  request.target = "/v1/reports";
  request.headers = {{"Content-Type", "application/json"},
                     {"Authorization", "Bearer " + options_.fleet_id + ":" + options_.api_key}};
  request.body = body;
  return client.RoundTrip(request, timeout);
}

std::string LocalPipeline::Results() const { return ReadFile(results_path()); }

std::string LocalPipeline::VerifySummary() const {
  std::istringstream log(simulator_.ReadLog());
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

std::string LocalPipeline::Logs() const {
  auto tail = [](const std::string& name, const ChildProcess& p) {
    const std::string log = p.ReadLog();
    return "--- " + name + "\n" + (log.size() > 6000 ? "…" + log.substr(log.size() - 6000) : log);
  };
  std::string out;
  for (const Process* p : Processes()) out += tail(p->name, p->child);
  return out + tail("sim", simulator_);
}

}  // namespace roadsense::testing
