// Recycled strings: large string buffers kept per thread for reuse. A thread that builds and drops
// bodies of ~10 KiB over and over (an SqsClient caller: one blocking thread per connection builds a
// request body and receives a response body per call) would otherwise malloc and free each one;
// chunks that large bypass glibc's per-thread cache, and each such malloc first consolidates the
// arena's fast bins.
//
// Thread-safe: each thread has its own buffers, freed when the thread exits.
#pragma once

#include <cstddef>
#include <string>

namespace roadsense {

// What RecycleString keeps: at most kMaxRecycledStrings per thread, each with a capacity in
// [kMinRecycledCapacity, kMaxRecycledCapacity] (a smaller one is cheap to allocate, a larger one
// would hold memory a single huge message needed).
inline constexpr size_t kMaxRecycledStrings = 4;
inline constexpr size_t kMinRecycledCapacity = 1024;
inline constexpr size_t kMaxRecycledCapacity = 1 << 20;

// An empty string: one this thread recycled (with its capacity), else a new one.
std::string TakeRecycledString();

// Keeps `buffer`'s storage for this thread's next TakeRecycledString, or frees it (see above).
// `buffer` is left empty.
void RecycleString(std::string&& buffer);

}  // namespace roadsense
