// roadsense-bench-queue: the durable full cycle against roadsense-queue (or any SQS endpoint).
// Each of C client threads loops SendMessageBatch(10) -> ReceiveMessage(max 10) ->
// DeleteMessageBatch, for every C in --concurrency. Prints throughput, latencies, the queue
// process's CPU per 100k messages and messages per fsync. See bench/README.md.
#include <sched.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/process_cpu.h"
#include "core/flag_set.h"
#include "core/latency_histogram.h"
#include "core/logging.h"
#include "net/http_client.h"
#include "sqs/sqs_client.h"
#include "tests/support/child_process.h"

namespace roadsense::bench {
namespace {

using Clock = std::chrono::steady_clock;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}
uint64_t MicrosSince(int64_t start_ns) {
  return static_cast<uint64_t>(std::max<int64_t>(0, NowNs() - start_ns) / 1000);
}

struct Flags {
  std::string endpoint;  // empty: start our own roadsense-queue
  std::string concurrency = "8,32,128";
  double seconds = 10;
  double warmup_seconds = 2;
  int payload_bytes = 1024;
  int receive_wait_seconds = 1;
  int queue_threads = 2;
  bool pin = false;
  std::string data_dir;  // empty: a temp dir
  std::string out;
  std::string log_level = "warn";
  bool sse = false;  // queues with SqsManagedSseEnabled=true (our queue gets a keys file)
  int queue_body_memory_mb = -1;  // --body-memory-mb of the queue we start (-1: its default)
  int64_t backlog = 0;            // > 0: only fill a queue with this many messages, report RSS
};

std::vector<int> ParseIntList(const std::string& text) {
  std::vector<int> values;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    int v = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (ec != std::errc() || end != item.data() + item.size() || v <= 0) return {};
    values.push_back(v);
  }
  return values;
}

std::string CommandOutput(const std::string& command) {
  std::string out;
  if (FILE* p = popen(command.c_str(), "r")) {
    char buf[256];
    while (fgets(buf, sizeof buf, p) != nullptr) out += buf;
    pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out.empty() ? "unknown" : out;
}

double SelfCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return secs(usage.ru_utime) + secs(usage.ru_stime);
}

struct WalCounters {
  uint64_t fsyncs = 0;
  uint64_t records = 0;
};

// GET /metrics of roadsense-queue; nullopt when the endpoint does not serve it (e.g. Amazon SQS).
std::optional<WalCounters> FetchWalCounters(const std::string& endpoint) {
  auto url = net::ParseHttpUrl(endpoint);
  if (!url.ok()) return std::nullopt;
  net::HttpClient client(url->host, url->port);
  net::HttpRequest request;
  request.method = "GET";
  request.target = "/metrics";
  auto response = client.RoundTrip(request, std::chrono::seconds(5));
  if (!response.ok() || response->status != 200) return std::nullopt;
  auto value_of = [&](std::string_view name) -> std::optional<uint64_t> {
    const std::string key = "\n" + std::string(name) + " ";
    const auto at = ("\n" + response->body).find(key);
    if (at == std::string::npos) return std::nullopt;
    return std::stoull(response->body.substr(at + key.size() - 1));
  };
  auto fsyncs = value_of("roadsense_queue_wal_fsyncs_total");
  auto records = value_of("roadsense_queue_wal_records_total");
  if (!fsyncs || !records) return std::nullopt;
  return WalCounters{*fsyncs, *records};
}

// Restricts this thread, and the threads and processes it starts from now on, to CPUs
// first..last. (Pinning a running process by pid pins its main thread only: the queue's I/O and
// committer threads, started before, stayed free to run on every CPU.)
void PinSelfTo(unsigned first, unsigned last) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (unsigned cpu = first; cpu <= last; ++cpu) CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) {
    spdlog::warn("cannot pin to CPUs {}..{}", first, last);
  }
}

// Phases of one level: threads record only what completes while measuring.
enum Phase : int { kWarmup, kMeasuring, kStopped };

// Send-acknowledged times of in-flight messages, keyed by (thread, sequence) from the body, so
// that whichever thread receives a message can compute its delivery latency. One shard per
// sending thread keeps the lock uncontended. A shard is a ring of the sender's last kRing
// sequences (a hash map cost the load generator an allocation and a free per message); a slot
// keeps its sequence after a Take, so a lookup can tell a message delivered before its ack (its
// slot still holds an older sequence) from one whose slot a later message has taken (forgotten:
// no delivery latency for it, counted apart).
class AckTimes {
 public:
  enum class Found { kAcked, kBeforeAck, kForgotten };

  explicit AckTimes(int threads) : shards_(static_cast<size_t>(threads)) {}
  void Put(int thread, uint64_t first_seq, int n, int64_t ack_ns) {
    Shard& s = shards_[static_cast<size_t>(thread)];
    std::lock_guard lock(s.mu);
    for (uint64_t seq = first_seq; seq < first_seq + static_cast<uint64_t>(n); ++seq) {
      s.ring[seq % kRing] = {seq + 1, ack_ns, false};
    }
  }
  // kAcked with *ack_ns set the first time a message is looked up after its ack was stored;
  // kBeforeAck when its ack is not stored yet (or it was looked up before: a redelivery).
  Found Take(int thread, uint64_t seq, int64_t* ack_ns) {
    if (thread < 0 || static_cast<size_t>(thread) >= shards_.size()) return Found::kBeforeAck;
    Shard& s = shards_[static_cast<size_t>(thread)];
    std::lock_guard lock(s.mu);
    Slot& slot = s.ring[seq % kRing];
    if (slot.seq_plus_one > seq + 1) return Found::kForgotten;
    if (slot.seq_plus_one != seq + 1 || slot.taken) return Found::kBeforeAck;
    slot.taken = true;
    *ack_ns = slot.ack_ns;
    return Found::kAcked;
  }

 private:
  static constexpr uint64_t kRing = 4096;
  struct Slot {
    uint64_t seq_plus_one = 0;  // 0: never used
    int64_t ack_ns = 0;
    bool taken = false;
  };
  struct Shard {
    std::mutex mu;
    std::vector<Slot> ring = std::vector<Slot>(kRing);
  };
  std::vector<Shard> shards_;
};

struct ThreadStats {
  LatencyHistogram send_us, receive_us, delete_us, e2e_ack_us, e2e_send_us;
  uint64_t deleted = 0;
  uint64_t empty_receives = 0;
  uint64_t delivered_before_ack = 0;
  uint64_t ack_forgotten = 0;  // received after 4096 later sends of its sender: no latency
  uint64_t errors = 0;
};

// Body: "<thread> <seq> <send start ns> " then 'x' padding up to `payload_bytes`. Written into
// `*body` in place: a client thread reuses its ten bodies, so stamping allocates nothing.
void StampBody(int thread, uint64_t seq, int64_t send_ns, int payload_bytes, std::string* body) {
  body->clear();
  auto append = [body](auto value) {
    char digits[24];
    body->append(digits, std::to_chars(digits, digits + sizeof(digits), value).ptr);
    body->push_back(' ');
  };
  append(thread);
  append(seq);
  append(send_ns);
  if (static_cast<int>(body->size()) < payload_bytes) {
    body->append(static_cast<size_t>(payload_bytes) - body->size(), 'x');
  }
}

std::string MakeBody(int thread, uint64_t seq, int64_t send_ns, int payload_bytes) {
  std::string body;
  StampBody(thread, seq, send_ns, payload_bytes, &body);
  return body;
}

struct BodyStamp {
  int thread = -1;
  uint64_t seq = 0;
  int64_t send_ns = 0;
};
// The stamp MakeBody wrote; thread -1 when the body does not start with one.
BodyStamp ParseBody(std::string_view body) {
  BodyStamp stamp;
  const char* at = body.data();
  const char* end = at + std::min<size_t>(body.size(), 64);
  auto next = [&](auto& value) {
    while (at < end && *at == ' ') ++at;
    const auto [ptr, ec] = std::from_chars(at, end, value);
    at = ptr;
    return ec == std::errc();
  };
  int thread = -1;
  if (next(thread) && next(stamp.seq) && next(stamp.send_ns)) stamp.thread = thread;
  return stamp;
}

void RunClient(int thread, sqs::SqsClient& client, const std::string& queue_url, const Flags& flags,
               const std::atomic<int>& phase, AckTimes& acks, ThreadStats& stats) {
  sqs::ReceiveOptions receive;
  receive.max_messages = 10;
  receive.wait_time_seconds = flags.receive_wait_seconds;
  receive.attribute_names = {};
  uint64_t seq = 0;
  std::vector<sqs::SendEntry> entries(10);  // ids "0".."9"; bodies restamped every cycle
  for (size_t i = 0; i < entries.size(); ++i) entries[i].id = std::to_string(i);
  // Kept across cycles, so that their strings' storage is reused (as a poll loop would).
  sqs::SendBatchResult sent;
  std::vector<sqs::ReceivedMessage> received;
  std::vector<sqs::DeleteEntry> to_delete;
  auto measuring = [&] { return phase.load(std::memory_order_acquire) == kMeasuring; };
  auto on_error = [&](const Status& s) {
    if (measuring()) ++stats.errors;
    spdlog::debug("thread {}: {}", thread, s.ToString());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  };

  while (phase.load(std::memory_order_acquire) != kStopped) {
    // SendMessageBatch of 10.
    const int64_t send_start = NowNs();
    for (int i = 0; i < 10; ++i) {
      StampBody(thread, seq + static_cast<uint64_t>(i), send_start, flags.payload_bytes,
                &entries[static_cast<size_t>(i)].body);
    }
    const Status sent_ok = client.SendMessageBatch(queue_url, entries, &sent);
    if (!sent_ok.ok() || !sent.failed.empty()) {
      on_error(sent_ok.ok() ? Status(StatusCode::kInternal, sent.failed.front().message) : sent_ok);
      seq += 10;
      continue;
    }
    acks.Put(thread, seq, 10, NowNs());
    seq += 10;
    if (measuring()) stats.send_us.Record(MicrosSince(send_start));

    // ReceiveMessage.
    const int64_t receive_start = NowNs();
    if (Status got = client.ReceiveMessage(queue_url, receive, &received); !got.ok()) {
      on_error(got);
      continue;
    }
    const int64_t received_ns = NowNs();
    if (measuring()) {
      stats.receive_us.Record(MicrosSince(receive_start));
      if (received.empty()) ++stats.empty_receives;
    }
    to_delete.resize(received.size());
    for (size_t i = 0; i < received.size(); ++i) {
      auto& m = received[i];
      const BodyStamp stamp = ParseBody(m.body);
      int64_t ack_ns = 0;
      const AckTimes::Found found = acks.Take(stamp.thread, stamp.seq, &ack_ns);
      if (measuring()) {
        stats.e2e_send_us.Record(static_cast<uint64_t>(received_ns - stamp.send_ns) / 1000);
        if (found == AckTimes::Found::kAcked) {
          stats.e2e_ack_us.Record(
              static_cast<uint64_t>(std::max<int64_t>(0, received_ns - ack_ns)) / 1000);
        } else if (found == AckTimes::Found::kBeforeAck) {
          ++stats.delivered_before_ack;
          stats.e2e_ack_us.Record(0);
        } else {
          ++stats.ack_forgotten;
        }
      }
      to_delete[i].id = std::to_string(i);
      std::swap(to_delete[i].receipt_handle, m.receipt_handle);  // the message is done with
    }
    if (to_delete.empty()) continue;

    // DeleteMessageBatch of what we got.
    const int64_t delete_start = NowNs();
    auto deleted = client.DeleteMessageBatch(queue_url, to_delete);
    if (!deleted.ok()) {
      on_error(deleted.status());
      continue;
    }
    if (measuring()) {
      stats.delete_us.Record(MicrosSince(delete_start));
      stats.deleted += deleted->successful.size();
      if (!deleted->failed.empty()) stats.errors += deleted->failed.size();
    }
  }
}

struct LevelResult {
  int concurrency = 0;
  double seconds = 0;
  uint64_t deleted = 0;
  double msgs_per_s = 0;
  ThreadStats totals;
  std::optional<double> queue_cpu_s;
  double client_cpu_s = 0;
  std::optional<WalCounters> wal;  // deltas over the measured window
};

// 32 random bytes as 64 hex digits: a throwaway key for --sse.
std::string RandomHexKey() {
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  char bytes[32];
  urandom.read(bytes, sizeof(bytes));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (char c : bytes) {
    hex += kHex[static_cast<unsigned char>(c) >> 4];
    hex += kHex[static_cast<unsigned char>(c) & 15];
  }
  return hex;
}

double Ms(uint64_t us) { return static_cast<double>(us) / 1000.0; }

LevelResult RunLevel(sqs::SqsClient& client, const std::string& endpoint, pid_t queue_pid,
                     int concurrency, const Flags& flags) {
  LevelResult result;
  result.concurrency = concurrency;
  // A fresh queue per level, so that leftovers of an earlier level do not skew latencies.
  const std::string name = "bench-" + std::to_string(getpid()) + "-c" + std::to_string(concurrency);
  std::map<std::string, std::string> attributes;
  if (flags.sse) attributes["SqsManagedSseEnabled"] = "true";
  auto url = client.CreateQueue(name, attributes);
  if (!url.ok()) {
    std::cerr << "CreateQueue " << name << ": " << url.status().ToString() << "\n";
    std::exit(1);
  }

  std::atomic<int> phase{kWarmup};
  AckTimes acks(concurrency);
  std::vector<ThreadStats> stats(static_cast<size_t>(concurrency));
  std::vector<std::thread> threads;
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back(RunClient, t, std::ref(client), std::cref(*url), std::cref(flags),
                         std::cref(phase), std::ref(acks), std::ref(stats[static_cast<size_t>(t)]));
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(flags.warmup_seconds));

  const auto cpu_before = queue_pid > 0 ? ProcessCpuSeconds(queue_pid) : std::nullopt;
  const auto wal_before = FetchWalCounters(endpoint);
  const double self_before = SelfCpuSeconds();
  const auto start = Clock::now();
  phase.store(kMeasuring, std::memory_order_release);
  std::this_thread::sleep_for(std::chrono::duration<double>(flags.seconds));
  phase.store(kStopped, std::memory_order_release);
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const auto cpu_after = queue_pid > 0 ? ProcessCpuSeconds(queue_pid) : std::nullopt;
  const auto wal_after = FetchWalCounters(endpoint);
  result.client_cpu_s = SelfCpuSeconds() - self_before;
  for (auto& t : threads) t.join();

  for (const ThreadStats& s : stats) {
    result.totals.send_us.Merge(s.send_us);
    result.totals.receive_us.Merge(s.receive_us);
    result.totals.delete_us.Merge(s.delete_us);
    result.totals.e2e_ack_us.Merge(s.e2e_ack_us);
    result.totals.e2e_send_us.Merge(s.e2e_send_us);
    result.totals.deleted += s.deleted;
    result.totals.empty_receives += s.empty_receives;
    result.totals.delivered_before_ack += s.delivered_before_ack;
    result.totals.ack_forgotten += s.ack_forgotten;
    result.totals.errors += s.errors;
  }
  result.deleted = result.totals.deleted;
  result.msgs_per_s = static_cast<double>(result.deleted) / result.seconds;
  if (cpu_before && cpu_after) result.queue_cpu_s = *cpu_after - *cpu_before;
  if (wal_before && wal_after) {
    result.wal = WalCounters{wal_after->fsyncs - wal_before->fsyncs,
                             wal_after->records - wal_before->records};
  }
  return result;
}

double Per100k(double cpu_s, uint64_t msgs) {
  return msgs ? cpu_s * 100000.0 / static_cast<double>(msgs) : 0;
}

void PrintLevel(const LevelResult& r) {
  const ThreadStats& t = r.totals;
  std::printf("\n== concurrency %d: %.1f s measured, %llu messages deleted, %llu errors\n",
              r.concurrency, r.seconds, static_cast<unsigned long long>(r.deleted),
              static_cast<unsigned long long>(t.errors));
  std::printf("  %-34s %10s %10s %10s\n", "latency (ms)", "p50", "p99", "max");
  auto row = [](const char* name, const LatencyHistogram& h) {
    std::printf("  %-34s %10.2f %10.2f %10.2f\n", name, Ms(h.Percentile(50)), Ms(h.Percentile(99)),
                Ms(h.max()));
  };
  row("SendMessageBatch (10 msgs)", t.send_us);
  row("ReceiveMessage", t.receive_us);
  row("DeleteMessageBatch", t.delete_us);
  row("delivery: send acked -> received", t.e2e_ack_us);
  row("delivery: send started -> received", t.e2e_send_us);
  std::printf("  %-34s %10.0f\n", "full cycle msgs/s", r.msgs_per_s);
  if (r.queue_cpu_s) {
    std::printf("  %-34s %10.2f\n", "queue CPU s per 100k msgs",
                Per100k(*r.queue_cpu_s, r.deleted));
  }
  std::printf("  %-34s %10.2f\n", "bench CPU s per 100k msgs", Per100k(r.client_cpu_s, r.deleted));
  if (r.wal && r.wal->fsyncs) {
    std::printf("  %-34s %10.1f  (%.1f WAL records per fsync, %.0f fsyncs/s)\n",
                "messages per fsync",
                static_cast<double>(r.deleted) / static_cast<double>(r.wal->fsyncs),
                static_cast<double>(r.wal->records) / static_cast<double>(r.wal->fsyncs),
                static_cast<double>(r.wal->fsyncs) / r.seconds);
  }
  std::printf("  %-34s %10llu  (%llu received before their ack reached the sender)\n",
              "empty receives", static_cast<unsigned long long>(t.empty_receives),
              static_cast<unsigned long long>(t.delivered_before_ack));
  if (t.ack_forgotten) {
    std::printf("  %-34s %10llu  (received after 4096 later sends of their sender; no latency)\n",
                "delivery latency not taken", static_cast<unsigned long long>(t.ack_forgotten));
  }
}

void PrintSummary(const std::vector<LevelResult>& results) {
  std::printf("\n== summary (latencies in ms, p50/p99)\n");
  std::printf(
      "| clients | msgs/s | send batch | receive | delivery (ack->recv) | queue CPU s/100k "
      "| msgs/fsync |\n|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& r : results) {
    const ThreadStats& t = r.totals;
    std::printf("| %d | %.0f | %.2f / %.2f | %.2f / %.2f | %.2f / %.2f | ", r.concurrency,
                r.msgs_per_s, Ms(t.send_us.Percentile(50)), Ms(t.send_us.Percentile(99)),
                Ms(t.receive_us.Percentile(50)), Ms(t.receive_us.Percentile(99)),
                Ms(t.e2e_ack_us.Percentile(50)), Ms(t.e2e_ack_us.Percentile(99)));
    if (r.queue_cpu_s) {
      std::printf("%.2f | ", Per100k(*r.queue_cpu_s, r.deleted));
    } else {
      std::printf("- | ");
    }
    if (r.wal && r.wal->fsyncs) {
      std::printf("%.1f |\n", static_cast<double>(r.deleted) / static_cast<double>(r.wal->fsyncs));
    } else {
      std::printf("- |\n");
    }
  }
}

std::string HistogramJson(const LatencyHistogram& h) {
  char buf[160];
  std::snprintf(buf, sizeof buf, R"({"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"count":%llu})",
                Ms(h.Percentile(50)), Ms(h.Percentile(99)), Ms(h.max()),
                static_cast<unsigned long long>(h.count()));
  return buf;
}

std::string ResultsJson(const std::vector<LevelResult>& results, const std::string& commit,
                        unsigned cores, const Flags& flags) {
  std::ostringstream out;
  out << "{\"commit\":\"" << commit << "\",\"cores\":" << cores
      << ",\"payload_bytes\":" << flags.payload_bytes << ",\"seconds\":" << flags.seconds
      << ",\"pinned\":" << (flags.pin ? "true" : "false") << ",\"levels\":[";
  for (size_t i = 0; i < results.size(); ++i) {
    const LevelResult& r = results[i];
    const ThreadStats& t = r.totals;
    out << (i ? "," : "") << "{\"concurrency\":" << r.concurrency << ",\"seconds\":" << r.seconds
        << ",\"messages_deleted\":" << r.deleted << ",\"msgs_per_s\":" << r.msgs_per_s
        << ",\"errors\":" << t.errors << ",\"send_batch\":" << HistogramJson(t.send_us)
        << ",\"receive\":" << HistogramJson(t.receive_us)
        << ",\"delete_batch\":" << HistogramJson(t.delete_us)
        << ",\"delivery_from_ack\":" << HistogramJson(t.e2e_ack_us)
        << ",\"delivery_from_send\":" << HistogramJson(t.e2e_send_us)
        << ",\"bench_cpu_s_per_100k\":" << Per100k(r.client_cpu_s, r.deleted);
    if (r.queue_cpu_s) out << ",\"queue_cpu_s_per_100k\":" << Per100k(*r.queue_cpu_s, r.deleted);
    if (r.wal) {
      out << ",\"wal_fsyncs\":" << r.wal->fsyncs << ",\"wal_records\":" << r.wal->records;
    }
    out << "}";
  }
  out << "]}\n";
  return out.str();
}

// VmRSS of a process in bytes, from /proc/<pid>/status; 0 when unreadable.
uint64_t ResidentBytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("VmRSS:")) return std::stoull(line.substr(6)) * 1024;  // kB
  }
  return 0;
}

// --backlog: the queue's memory per message of a backlog, live and after a restart (replay).
int RunBacklog(sqs::SqsClient& client, testing::ChildProcess& queue,
               const std::vector<std::string>& argv, const std::string& log, int concurrency,
               const Flags& f) {
  const std::string name = "backlog-" + std::to_string(getpid());
  auto url = client.CreateQueue(
      name, f.sse ? std::map<std::string, std::string>{{"SqsManagedSseEnabled", "true"}}
                  : std::map<std::string, std::string>{});
  if (!url.ok()) {
    std::cerr << "CreateQueue " << name << ": " << url.status().ToString() << "\n";
    return 1;
  }
  const uint64_t idle = ResidentBytes(queue.pid());
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> errors{0};
  const int64_t start_ns = NowNs();
  std::vector<std::thread> threads;
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&, t] {
      for (;;) {
        const int64_t first = next.fetch_add(10);
        if (first >= f.backlog) return;
        std::vector<sqs::SendEntry> entries;
        for (int64_t i = first; i < std::min<int64_t>(first + 10, f.backlog); ++i) {
          entries.push_back({std::to_string(i - first),
                             MakeBody(t, static_cast<uint64_t>(i), NowNs(), f.payload_bytes)});
        }
        auto sent = client.SendMessageBatch(*url, entries);
        if (!sent.ok() || !sent->failed.empty()) {
          ++errors;  // reported, not retried
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double fill_s = static_cast<double>(NowNs() - start_ns) / 1e9;
  std::this_thread::sleep_for(std::chrono::seconds(2));  // let maintenance settle
  const uint64_t full = ResidentBytes(queue.pid());
  auto count = [&] {
    auto a = client.GetQueueAttributes(*url, {"ApproximateNumberOfMessages"});
    return a.ok() ? a->at("ApproximateNumberOfMessages") : "?";
  };
  const std::string live_count = count();
  queue.Stop(SIGTERM);
  const int64_t restart_ns = NowNs();
  queue.Start(argv, log + ".restart");
  for (int i = 0; i < 600 && !client.GetQueueAttributes(*url, {"ApproximateNumberOfMessages"}).ok();
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const double recover_s = static_cast<double>(NowNs() - restart_ns) / 1e9;
  const uint64_t restarted = ResidentBytes(queue.pid());
  const std::string restarted_count = count();
  const auto mib = [](uint64_t b) { return static_cast<double>(b) / (1 << 20); };
  const auto per_gib = [&](uint64_t rss) {
    return rss > idle ? static_cast<double>(f.backlog) * (1 << 30) / static_cast<double>(rss - idle)
                      : 0.0;
  };
  std::printf(
      "backlog of %lld messages of %d B (%d clients, %.1f s, %lld failed batches), "
      "--body-memory-mb %s:\n"
      "  queue VmRSS idle %.1f MiB; with the backlog %.1f MiB (%s messages): %.0f B/message, "
      "%.0f messages per GiB\n"
      "  after a restart (%.1f s to answer): %.1f MiB (%s messages): %.0f B/message, "
      "%.0f messages per GiB\n",
      static_cast<long long>(f.backlog), f.payload_bytes, concurrency, fill_s,
      static_cast<long long>(errors.load()),
      f.queue_body_memory_mb >= 0 ? std::to_string(f.queue_body_memory_mb).c_str() : "default",
      mib(idle), mib(full), live_count.c_str(),
      static_cast<double>(full - std::min(full, idle)) / static_cast<double>(f.backlog),
      per_gib(full), recover_s, mib(restarted), restarted_count.c_str(),
      static_cast<double>(restarted - std::min(restarted, idle)) / static_cast<double>(f.backlog),
      per_gib(restarted));
  queue.Stop(SIGTERM);
  return 0;
}

int Main(int argc, char** argv) {
  Flags f;
  FlagSet flags("roadsense-bench-queue",
                "Full durable SQS cycle (SendMessageBatch of 10 -> ReceiveMessage -> "
                "DeleteMessageBatch) at several client concurrencies; prints throughput, "
                "latencies, queue CPU per 100k messages and messages per fsync.");
  flags.AddString("endpoint", &f.endpoint,
                  "SQS endpoint to test, e.g. http://127.0.0.1:9324 (empty: start our own "
                  "roadsense-queue from the directory of this binary)");
  flags.AddString("concurrency", &f.concurrency, "comma-separated client thread counts");
  flags.AddDouble("seconds", &f.seconds, "measured seconds per concurrency level");
  flags.AddDouble("warmup-seconds", &f.warmup_seconds, "unmeasured seconds before each level");
  flags.AddInt("payload-bytes", &f.payload_bytes, "message body size");
  flags.AddInt("receive-wait-seconds", &f.receive_wait_seconds,
               "ReceiveMessage WaitTimeSeconds (returns as soon as a message is there)");
  flags.AddInt("queue-threads", &f.queue_threads, "--threads of the roadsense-queue we start");
  flags.AddBool("pin", &f.pin,
                "pin the queue we start to CPU 0 and this benchmark to the other CPUs");
  flags.AddString("data-dir", &f.data_dir,
                  "data dir of the roadsense-queue we start (empty: a fresh temp dir)");
  flags.AddString("out", &f.out, "also write the results as JSON to this file");
  flags.AddString("log-level", &f.log_level, "trace, debug, info, warn or error");
  flags.AddBool("sse", &f.sse,
                "encrypted queues (SqsManagedSseEnabled=true; the queue we start gets a random "
                "--encryption-keys-file)");
  flags.AddInt("queue-body-memory-mb", &f.queue_body_memory_mb,
               "--body-memory-mb of the roadsense-queue we start (-1: its default)");
  flags.AddInt("backlog", &f.backlog,
               "instead of the cycle: send this many messages (first --concurrency threads), "
               "then report the queue's VmRSS, also after a restart (our own queue only)");
  flags.ParseOrExit(argc, argv);
  InitLogging("roadsense-bench-queue", f.log_level);

  const std::vector<int> levels = ParseIntList(f.concurrency);
  if (levels.empty() || f.seconds <= 0 || f.warmup_seconds < 0 || f.payload_bytes < 64 ||
      f.payload_bytes > 262144 || f.receive_wait_seconds < 0 || f.receive_wait_seconds > 20) {
    std::cerr << "roadsense-bench-queue: bad flags (see --help); --payload-bytes must be in "
                 "[64, 262144]\n";
    return 2;
  }

  const unsigned cores = std::thread::hardware_concurrency();
  const std::string commit =
      CommandOutput("git -C '" ROADSENSE_SOURCE_DIR "' rev-parse --short HEAD 2>/dev/null");
  std::printf(
      "roadsense-bench-queue: %u cores, commit %s, payload %d B, batch 10, %s, %.0f s per "
      "level after %.0f s warm-up\n",
      cores, commit.c_str(), f.payload_bytes, f.sse ? "SSE queues" : "unencrypted queues",
      f.seconds, f.warmup_seconds);

  std::optional<testing::TempDir> temp;
  testing::ChildProcess queue;
  std::vector<std::string> queue_argv;  // to restart it (--backlog)
  std::string queue_log;
  std::string endpoint = f.endpoint;
  if (endpoint.empty()) {
    temp.emplace();  // in $TMPDIR; keep it on the same disk as the code under test
    const std::string data_dir = f.data_dir.empty() ? temp->path() + "/queue" : f.data_dir;
    const int port = testing::FreePort();
    std::vector<std::string> argv = {testing::BinaryPath("roadsense-queue"),
                                     "--listen",
                                     "127.0.0.1:" + std::to_string(port),
                                     "--data-dir",
                                     data_dir,
                                     "--threads",
                                     std::to_string(f.queue_threads),
                                     "--log-level",
                                     "warn"};
    if (f.queue_body_memory_mb >= 0) {
      argv.insert(argv.end(), {"--body-memory-mb", std::to_string(f.queue_body_memory_mb)});
    }
    if (f.sse) {
      const std::string keys = temp->path() + "/encryption-keys";
      std::ofstream(keys) << "bench " << RandomHexKey() << " current\n";
      argv.insert(argv.end(), {"--encryption-keys-file", keys});
    }
    const bool pin = f.pin && cores >= 2;
    if (pin) PinSelfTo(0, 0);  // the queue inherits CPU 0 for every thread it starts
    queue.Start(argv, temp->path() + "/queue.log");
    if (pin) PinSelfTo(1, cores - 1);  // and so do the benchmark's threads, started later
    if (!testing::WaitForPort(port, std::chrono::seconds(10))) {
      std::cerr << "roadsense-queue did not start:\n" << queue.ReadLog();
      return 1;
    }
    queue_argv = argv;
    queue_log = temp->path() + "/queue.log";
    endpoint = "http://127.0.0.1:" + std::to_string(port);
    std::printf("started roadsense-queue (pid %d, --threads %d) on %s, data in %s\n", queue.pid(),
                f.queue_threads, endpoint.c_str(), data_dir.c_str());
    if (pin) {
      std::printf("pinned: queue on CPU 0, benchmark on CPUs 1..%u\n", cores - 1);
    }
  } else {
    std::printf("endpoint %s (queue CPU not measured)\n", endpoint.c_str());
  }

  sqs::SqsClientOptions options;
  options.endpoint = endpoint;
  options.max_idle_connections = *std::max_element(levels.begin(), levels.end()) + 8;
  sqs::SqsClient client(options);

  if (f.backlog > 0) {
    if (queue.pid() <= 0) {
      std::cerr << "--backlog needs the queue this benchmark starts (no --endpoint)\n";
      return 2;
    }
    return RunBacklog(client, queue, queue_argv, queue_log, levels.front(), f);
  }

  std::vector<LevelResult> results;
  for (int c : levels) {
    results.push_back(RunLevel(client, endpoint, queue.pid(), c, f));
    PrintLevel(results.back());
    std::fflush(stdout);
  }
  PrintSummary(results);
  if (!f.out.empty()) {
    std::ofstream(f.out) << ResultsJson(results, commit, cores, f);
    std::printf("results written to %s\n", f.out.c_str());
  }
  if (queue.pid() > 0) queue.Stop(SIGTERM);
  return 0;
}

}  // namespace
}  // namespace roadsense::bench

int main(int argc, char** argv) { return roadsense::bench::Main(argc, argv); }
