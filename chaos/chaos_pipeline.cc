#include "chaos/chaos_pipeline.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <pqxx/pqxx>
#include <thread>

#include "core/digest.h"

namespace roadsense::chaos {
namespace {

using namespace std::chrono_literals;
using testing::BinaryPath;
using testing::FreePort;
using testing::WaitForPort;

constexpr char kQueueName[] = "chaos-reports";
constexpr char kApiKey[] = "chaos-secret";

std::string Local(int port) { return "127.0.0.1:" + std::to_string(port); }

}  // namespace

ChaosPipeline::ChaosPipeline(PipelineOptions options) : options_(std::move(options)) {}

ChaosPipeline::~ChaosPipeline() = default;  // ChildProcess and TestPostgres clean up

std::string ChaosPipeline::queue_url() const {
  return "http://" + Local(queue_port_) + "/000000000000/" + kQueueName;
}

std::string ChaosPipeline::receiver_targets() const {
  std::string out;
  for (const auto& r : receivers_) out += (out.empty() ? "" : ",") + ("http://" + Local(r->port));
  return out;
}

Status ChaosPipeline::Start() {
  const std::string& dir = options_.dir;
  // Authentication on, as in production: the simulator's fleet holds one API key.
  std::ofstream(dir + "/keys") << options_.fleet_id << " " << Sha256Hex(kApiKey) << "\n";
  api_key_file_ = dir + "/api-key";
  std::ofstream(api_key_file_) << kApiKey << "\n";

  queue_port_ = FreePort();
  queue_ = std::make_unique<Process>();
  queue_->name = "queue";
  queue_->port = queue_port_;
  queue_->argv = {BinaryPath("roadsense-queue"), "--listen", Local(queue_port_), "--data-dir",
                  dir + "/queue-data"};
  if (Status s = StartProcess(*queue_); !s.ok()) return s;

  for (int i = 0; i < options_.receivers; ++i) {
    auto r = std::make_unique<Process>();
    r->name = "receiver-" + std::to_string(i);
    r->port = FreePort();
    r->argv = {BinaryPath("roadsense-receiver"),
               "--listen",
               Local(r->port),
               "--queue-url",
               queue_url(),
               "--keys-file",
               dir + "/keys",
               "--threads",
               "2"};
    if (Status s = StartProcess(*r); !s.ok()) return s;
    receivers_.push_back(std::move(r));
  }
  for (int i = 0; i < options_.workers; ++i) {
    auto w = std::make_unique<Process>();
    w->name = "worker-" + std::to_string(i);
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
    if (Status s = StartProcess(*w); !s.ok()) return s;
    workers_.push_back(std::move(w));
  }
  return WaitForTileStats(60s);
}

Status ChaosPipeline::StartProcess(Process& p) {
  p.child.Start(p.argv, options_.dir + "/" + p.name + ".log");
  if (p.port != 0 && !WaitForPort(p.port, 30s)) {
    return Unavailable(p.name + " does not listen on port " + std::to_string(p.port) + " (see " +
                       p.child.log_path() + ")");
  }
  if (!p.child.running())
    return Unavailable(p.name + " exited at start (see " + p.child.log_path() + ")");
  return Status::Ok();
}

Status ChaosPipeline::KillAndRestart(Process& p, std::chrono::milliseconds downtime) {
  if (!p.child.running()) {
    return Internal(p.name + " had already exited before the kill (see " + p.child.log_path() +
                    ")");
  }
  const int code = p.child.Stop(SIGKILL);
  if (code != 128 + SIGKILL) {
    spdlog::warn("{} ended with {} instead of 137 on SIGKILL", p.name, code);
  }
  std::this_thread::sleep_for(downtime);
  return StartProcess(p);
}

Status ChaosPipeline::Inject(const ChaosEvent& e) {
  switch (e.component) {
    case Component::kQueue:
      return KillAndRestart(*queue_, e.downtime);
    case Component::kReceiver:
      return KillAndRestart(*receivers_.at(static_cast<size_t>(e.index)), e.downtime);
    case Component::kWorker:
      return KillAndRestart(*workers_.at(static_cast<size_t>(e.index)), e.downtime);
    case Component::kPostgres: {
      const int port = pg_.port();
      try {
        pg_.Stop(e.immediate ? testing::TestPostgres::StopMode::kImmediate
                             : testing::TestPostgres::StopMode::kFast);
        std::this_thread::sleep_for(e.downtime);
        pg_.Start();
      } catch (const std::exception& ex) {
        return Unavailable(std::string("PostgreSQL restart: ") + ex.what());
      }
      // The workers' connection strings name the port; another port would strand them.
      if (pg_.port() != port) {
        return Unavailable("PostgreSQL came back on port " + std::to_string(pg_.port()) +
                           " instead of " + std::to_string(port));
      }
      return Status::Ok();
    }
  }
  return InvalidArgument("unknown component");
}

std::vector<std::string> ChaosPipeline::RestartCrashed() {
  std::vector<std::string> crashed;
  auto check = [&](Process& p) {
    const int code = p.child.Wait(std::chrono::milliseconds(0));
    if (code == -1) return;  // still running
    crashed.push_back(p.name + " (exit code " + std::to_string(code) + ")");
    spdlog::error("{} exited by itself with {} (see {}); restarting it", p.name, code,
                  p.child.log_path());
    if (Status s = StartProcess(p); !s.ok()) spdlog::error("{}", s.ToString());
  };
  if (queue_) check(*queue_);
  for (auto& r : receivers_) check(*r);
  for (auto& w : workers_) check(*w);
  return crashed;
}

void ChaosPipeline::StopAll() {
  for (auto& w : workers_) w->child.Stop(SIGTERM);
  for (auto& r : receivers_) r->child.Stop(SIGTERM);
  if (queue_) queue_->child.Stop(SIGTERM);
}

Status ChaosPipeline::WaitForTileStats(std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last_error;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      pqxx::connection conn(db());
      pqxx::work tx(conn);
      if (!tx.exec1("SELECT to_regclass('tile_stats') IS NOT NULL")[0].as<bool>()) {
        last_error = "tile_stats does not exist yet";
      } else {
        return Status::Ok();
      }
    } catch (const std::exception& e) {
      last_error = e.what();
    }
    std::this_thread::sleep_for(100ms);
  }
  return Unavailable("the workers did not create tile_stats: " + last_error);
}

}  // namespace roadsense::chaos
