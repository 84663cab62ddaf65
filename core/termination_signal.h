// Process-wide SIGINT/SIGTERM handling for servers.
//
// Call BlockTerminationSignals() first thing in main(), before any thread starts, so that every
// thread inherits the blocked mask; then WaitForTerminationSignal() blocks the calling thread until
// SIGINT or SIGTERM arrives and returns the signal number. Also ignores SIGPIPE.
#pragma once

namespace roadsense {

void BlockTerminationSignals();
int WaitForTerminationSignal();

}  // namespace roadsense
