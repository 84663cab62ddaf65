// roadsense-bench-transport-floor: what the kernel alone charges for the bytes of the queue's full
// cycle. A lower bound for any server and client doing issue 3's workload over loopback TCP.
//
// One server process and one client process (forked; pinned to --server-cpu / --client-cpu like
// bench/peers/run), each a single thread on epoll with non-blocking sockets and no parsing beyond
// an 8-byte frame header. Per --messages-per-cycle (10) messages a client connection makes the
// three exchanges of the SQS cycle with the byte sizes of real SendMessageBatch, ReceiveMessage and
// DeleteMessageBatch requests and responses (defaults measured from roadsense's own traffic:
// headers, SigV4, JSON, 1 KiB bodies). With --fsync the server writes every send request's payload
// to a file and answers sends only after an fdatasync covering them — one per epoll round, i.e.
// group commit — which adds the storage floor. The file is pre-sized like roadsense-queue's WAL
// segments (--wal-bytes of zeros, fdatasync'd before the run; records overwrite them, wrapping
// around), or with --presized-wal=false an appended, growing file as before. Nothing else: no HTTP,
// JSON, MD5, CRC, allocation or bookkeeping; what roadsense spends above these figures is its own.
//
// Prints msgs/s and the CPU microseconds per message of server and client (utime+stime).
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "bench/process_cpu.h"
#include "core/flag_set.h"

namespace roadsense::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Flags {
  int connections = 32;
  double seconds = 5;
  double warmup_seconds = 1;
  int messages_per_cycle = 10;
  // Request and response bytes of the three exchanges (send batch, receive, delete batch), as
  // roadsense-bench-peers and roadsense-queue write them (strace of sendmsg, 1 KiB bodies).
  int send_request = 11'006, send_response = 1'352;
  int receive_request = 515, receive_response = 12'109;
  int delete_request = 1'186, delete_response = 301;
  bool fsync = true;
  bool presized_wal = true;
  int64_t wal_bytes = 64 << 20;
  int server_cpu = 0, client_cpu = 1;
};

// Frame header: total request bytes, response bytes, durable (1) or not (0); little-endian host
// order is fine, both ends are this program.
struct Header {
  uint32_t request_bytes;
  uint32_t response_bytes;
  uint32_t durable;
  uint32_t unused;
};

void Die(const char* what) {
  std::perror(what);
  std::exit(1);
}

void Pin(int cpu) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) Die("sched_setaffinity");
}

void NonBlocking(int fd) {
  if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) Die("fcntl");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

double CpuSeconds(const rusage& r) {
  return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
         static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

// One connection's state on either side: bytes still to read of the current frame, bytes still to
// write of the current answer or request.
struct Connection {
  int fd = -1;
  Header header{};
  size_t read = 0;      // of the current frame (header included)
  size_t to_write = 0;  // left to write
  size_t expect = 0;    // client: response bytes of the exchange in flight
  bool awaiting_fsync = false;
  int exchange = 0;  // client: which of the three exchanges is in flight
};

// Writes up to `c.to_write` bytes of `payload`; returns false on a hard error.
bool Flush(Connection& c, const std::vector<char>& payload) {
  while (c.to_write > 0) {
    const size_t n = std::min(c.to_write, payload.size());
    const ssize_t w = send(c.fd, payload.data(), n, MSG_NOSIGNAL);
    if (w < 0) return errno == EAGAIN;
    c.to_write -= static_cast<size_t>(w);
  }
  return true;
}

// Reads what is there of the current frame; true when the frame is complete.
bool ReadFrame(Connection& c, std::vector<char>& scratch, bool* closed) {
  for (;;) {
    const size_t want =
        c.read < sizeof(Header) ? sizeof(Header) - c.read : c.header.request_bytes - c.read;
    if (want == 0) return true;
    char* into =
        c.read < sizeof(Header) ? reinterpret_cast<char*>(&c.header) + c.read : scratch.data();
    const ssize_t r = recv(c.fd, into, std::min(want, scratch.size()), 0);
    if (r == 0 || (r < 0 && errno != EAGAIN)) {
      *closed = true;
      return false;
    }
    if (r < 0) return false;
    c.read += static_cast<size_t>(r);
  }
}

// The log file: --wal-bytes of zeros, fdatasync'd (as roadsense-queue prepares its segments), or
// an empty file that every write appends to.
int OpenWal(const Flags& flags, const std::string& path) {
  if (!flags.presized_wal) {
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
    if (fd < 0) Die("open wal");
    return fd;
  }
  if (flags.wal_bytes < (64 << 10)) {
    std::fprintf(stderr, "--wal-bytes must be at least 65536\n");
    std::exit(2);
  }
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) Die("open wal");
  const std::vector<char> zeros(1 << 20, 0);
  for (int64_t done = 0; done < flags.wal_bytes;) {
    const ssize_t n =
        write(fd, zeros.data(), std::min<size_t>(zeros.size(), flags.wal_bytes - done));
    if (n < 0) Die("zero-fill wal");
    done += n;
  }
  if (fdatasync(fd) != 0) Die("fdatasync wal");
  return fd;
}

// `fsyncs` lives in memory shared with the client, which reads it at the window's ends.
[[noreturn]] void Serve(int listener, const Flags& flags, const std::string& wal_path,
                        std::atomic<uint64_t>* fsyncs) {
  Pin(flags.server_cpu);
  const int ep = epoll_create1(0);
  std::vector<Connection> conns(flags.connections);
  for (int i = 0; i < flags.connections; ++i) {
    conns[i].fd = accept(listener, nullptr, nullptr);
    if (conns[i].fd < 0) Die("accept");
    NonBlocking(conns[i].fd);
    epoll_event ev{EPOLLIN | EPOLLOUT | EPOLLET, {.u32 = static_cast<uint32_t>(i)}};
    epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
  }
  const int wal = OpenWal(flags, wal_path);
  uint64_t wal_offset = 0;  // presized: where the next record is written
  std::vector<char> scratch(64 << 10), answer(64 << 10, 'a'), record(64 << 10, 'w');
  std::vector<epoll_event> events(flags.connections);
  std::vector<int> waiting;  // connections whose durable request awaits this round's fdatasync
  for (;;) {
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), -1);
    bool wrote = false;
    for (int e = 0; e < n; ++e) {
      Connection& c = conns[events[e].data.u32];
      if (!Flush(c, answer)) _exit(0);
      bool closed = false;
      while (c.to_write == 0 && !c.awaiting_fsync && ReadFrame(c, scratch, &closed)) {
        // A durable request's bytes go to the log (their count is what matters to the kernel).
        if (c.header.durable && flags.fsync) {
          const size_t bytes = std::min<size_t>(c.header.request_bytes, record.size());
          if (flags.presized_wal) {
            // Overwrite zeros (or, once wrapped, earlier records): the file never grows.
            if (wal_offset + bytes > static_cast<uint64_t>(flags.wal_bytes)) wal_offset = 0;
            if (pwrite(wal, record.data(), bytes, static_cast<off_t>(wal_offset)) < 0) {
              Die("pwrite wal");
            }
            wal_offset += bytes;
          } else if (write(wal, record.data(), bytes) < 0) {
            Die("write wal");
          }
          wrote = true;
          c.awaiting_fsync = true;
          waiting.push_back(static_cast<int>(events[e].data.u32));
        } else {
          c.to_write = c.header.response_bytes;
          if (!Flush(c, answer)) _exit(0);
        }
        c.read = 0;
      }
      if (closed) _exit(0);
    }
    if (wrote) {
      if (fdatasync(wal) != 0) Die("fdatasync");
      fsyncs->fetch_add(1, std::memory_order_relaxed);
    }
    for (int i : waiting) {
      Connection& c = conns[i];
      c.awaiting_fsync = false;
      c.to_write = c.header.response_bytes;
      if (!Flush(c, answer)) _exit(0);  // its next request comes only after this answer
    }
    waiting.clear();
  }
}

int Run(const Flags& flags) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      listen(listener, flags.connections) != 0 ||
      getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    Die("listen");
  }
  char dir[] = "/tmp/roadsense-transport-floor-XXXXXX";
  if (mkdtemp(dir) == nullptr) Die("mkdtemp");
  const std::string wal_path = std::string(dir) + "/wal";
  void* shared = mmap(nullptr, sizeof(std::atomic<uint64_t>), PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) Die("mmap");
  auto* fsyncs = new (shared) std::atomic<uint64_t>(0);
  const pid_t server = fork();
  if (server == 0) Serve(listener, flags, wal_path, fsyncs);
  close(listener);

  Pin(flags.client_cpu);
  const int ep = epoll_create1(0);
  std::vector<Connection> conns(flags.connections);
  const Header kinds[3] = {
      {static_cast<uint32_t>(flags.send_request), static_cast<uint32_t>(flags.send_response), 1, 0},
      {static_cast<uint32_t>(flags.receive_request), static_cast<uint32_t>(flags.receive_response),
       0, 0},
      {static_cast<uint32_t>(flags.delete_request), static_cast<uint32_t>(flags.delete_response), 0,
       0}};
  std::vector<char> request(64 << 10, 'r'), scratch(64 << 10);
  auto start_exchange = [&](Connection& c) {
    std::memcpy(request.data(), &kinds[c.exchange], sizeof(Header));
    c.to_write = kinds[c.exchange].request_bytes;
    c.read = 0;
    c.expect = kinds[c.exchange].response_bytes;
    // The first chunk carries the header; later chunks are filler.
    const ssize_t w =
        send(c.fd, request.data(), std::min<size_t>(c.to_write, request.size()), MSG_NOSIGNAL);
    if (w > 0) c.to_write -= static_cast<size_t>(w);
  };
  for (int i = 0; i < flags.connections; ++i) {
    Connection& c = conns[i];
    c.fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) Die("connect");
    NonBlocking(c.fd);
    epoll_event ev{EPOLLIN | EPOLLOUT | EPOLLET, {.u32 = static_cast<uint32_t>(i)}};
    epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
    start_exchange(c);
  }
  std::vector<epoll_event> events(flags.connections);
  const auto t0 = Clock::now();
  const auto measure_from = t0 + std::chrono::duration<double>(flags.warmup_seconds);
  const auto measure_to = measure_from + std::chrono::duration<double>(flags.seconds);
  bool measuring = false;
  uint64_t cycles = 0;
  rusage client0{}, client1{};
  // The server is still running: its CPU so far, from /proc.
  auto server_cpu = [&] { return ProcessCpuSeconds(server).value_or(0.0); };
  double server0 = 0;
  uint64_t fsyncs0 = 0;
  for (;;) {
    const auto now = Clock::now();
    if (!measuring && now >= measure_from) {
      measuring = true;
      cycles = 0;
      getrusage(RUSAGE_SELF, &client0);
      server0 = server_cpu();
      fsyncs0 = fsyncs->load(std::memory_order_relaxed);
    }
    if (now >= measure_to) break;
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
    for (int e = 0; e < n; ++e) {
      Connection& c = conns[events[e].data.u32];
      if (!Flush(c, request)) Die("send");
      if (c.to_write > 0) continue;
      // Read the answer: response bytes, no header.
      for (;;) {
        const size_t want = c.expect - c.read;
        if (want == 0) break;
        const ssize_t r = recv(c.fd, scratch.data(), std::min(want, scratch.size()), 0);
        if (r == 0) Die("server closed");
        if (r < 0) break;
        c.read += static_cast<size_t>(r);
      }
      if (c.read < c.expect) continue;
      if (c.exchange == 2) ++cycles;
      c.exchange = (c.exchange + 1) % 3;
      start_exchange(c);
    }
  }
  getrusage(RUSAGE_SELF, &client1);
  const double server_seconds = server_cpu() - server0;
  const double fsync_count = static_cast<double>(fsyncs->load(std::memory_order_relaxed) - fsyncs0);
  for (Connection& c : conns) close(c.fd);
  int status = 0;
  waitpid(server, &status, 0);
  unlink(wal_path.c_str());
  rmdir(dir);
  const double messages = static_cast<double>(cycles) * flags.messages_per_cycle;
  std::printf(
      "transport floor: %d connections, %s, server CPU %d, client CPU %d\n"
      "%.0f msgs/s  server CPU %.2f us/msg  client CPU %.2f us/msg  msgs per fsync %.1f  (%.0f "
      "cycles in %.1f s)\n",
      flags.connections,
      !flags.fsync         ? "no fsync"
      : flags.presized_wal ? "fdatasync before each send answer (group per round), pre-sized log"
                           : "fdatasync before each send answer (group per round), growing log",
      flags.server_cpu, flags.client_cpu, messages / flags.seconds, server_seconds / messages * 1e6,
      (CpuSeconds(client1) - CpuSeconds(client0)) / messages * 1e6,
      fsync_count > 0 ? messages / fsync_count : 0.0, static_cast<double>(cycles), flags.seconds);
  return 0;
}

}  // namespace
}  // namespace roadsense::bench

int main(int argc, char** argv) {
  using roadsense::FlagSet;
  roadsense::bench::Flags flags;
  FlagSet set("roadsense-bench-transport-floor",
              "The kernel's cost for the bytes of the SQS full cycle over loopback TCP (no HTTP, "
              "JSON or bookkeeping): a lower bound for issue 3's workload. See bench/README.md.");
  set.AddInt("connections", &flags.connections, "client connections (one thread per side)");
  set.AddDouble("seconds", &flags.seconds, "measured seconds");
  set.AddDouble("warmup-seconds", &flags.warmup_seconds, "unmeasured seconds first");
  set.AddInt("messages-per-cycle", &flags.messages_per_cycle, "messages one cycle stands for");
  set.AddInt("send-request-bytes", &flags.send_request, "SendMessageBatch request bytes");
  set.AddInt("send-response-bytes", &flags.send_response, "SendMessageBatch response bytes");
  set.AddInt("receive-request-bytes", &flags.receive_request, "ReceiveMessage request bytes");
  set.AddInt("receive-response-bytes", &flags.receive_response, "ReceiveMessage response bytes");
  set.AddInt("delete-request-bytes", &flags.delete_request, "DeleteMessageBatch request bytes");
  set.AddInt("delete-response-bytes", &flags.delete_response, "DeleteMessageBatch response bytes");
  set.AddBool("fsync", &flags.fsync, "log send payloads and fdatasync before answering sends");
  set.AddBool("presized-wal", &flags.presized_wal,
              "--fsync: overwrite a zero-filled, fdatasync'd file (as roadsense-queue's WAL "
              "segments) instead of appending to a growing one");
  set.AddInt("wal-bytes", &flags.wal_bytes, "size of the pre-sized log file (wraps around)");
  set.AddInt("server-cpu", &flags.server_cpu, "CPU to pin the server to (-1: none)");
  set.AddInt("client-cpu", &flags.client_cpu, "CPU to pin the client to (-1: none)");
  set.ParseOrExit(argc, argv);
  return roadsense::bench::Run(flags);
}
