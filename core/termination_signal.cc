#include "core/termination_signal.h"

#include <pthread.h>
#include <signal.h>

namespace roadsense {
namespace {

sigset_t SignalSet(bool with_reload) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  if (with_reload) sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

void BlockTerminationSignals(bool with_reload) {
  signal(SIGPIPE, SIG_IGN);  // a peer closing a socket must not kill the process
  sigset_t set = SignalSet(with_reload);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int WaitForTerminationSignal(const std::function<void()>& on_reload) {
  const sigset_t set = SignalSet(on_reload != nullptr);
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig != SIGHUP) return sig;
    on_reload();
  }
}

bool TerminationSignalWithin(std::chrono::milliseconds timeout) {
  const sigset_t set = SignalSet(false);
  timespec ts{static_cast<time_t>(timeout.count() / 1000),
              static_cast<long>(timeout.count() % 1000) * 1000000};
  return sigtimedwait(&set, nullptr, &ts) > 0;
}

}  // namespace roadsense
