// Process-wide SIGINT/SIGTERM (and optionally SIGHUP) handling for servers.
//
// Call BlockTerminationSignals() first thing in main(), before any thread starts, so that every
// thread inherits the blocked mask; then WaitForTerminationSignal() blocks the calling thread until
// SIGINT or SIGTERM arrives and returns the signal number. Also ignores SIGPIPE.
// A server that reloads configuration on SIGHUP passes `with_reload` and an `on_reload` callback;
// the callback runs on the waiting thread for each SIGHUP.
#pragma once

#include <chrono>
#include <functional>

namespace roadsense {

void BlockTerminationSignals(bool with_reload = false);
int WaitForTerminationSignal(const std::function<void()>& on_reload = nullptr);
// Waits at most `timeout` for SIGINT/SIGTERM; true when one arrived (it is consumed).
bool TerminationSignalWithin(std::chrono::milliseconds timeout);

}  // namespace roadsense
