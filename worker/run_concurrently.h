// RunConcurrently: runs task(0) … task(count − 1), up to `width` of them at a time — on the calling
// thread and up to width − 1 helper threads, each taking the next index until none is left — and
// returns once every task has returned. `task` must be safe to call concurrently; the order in
// which the indices run is unspecified. width 0 counts as 1 (everything on the calling thread).
#pragma once

#include <cstddef>
#include <functional>

namespace roadsense::worker {

void RunConcurrently(size_t count, size_t width, const std::function<void(size_t)>& task);

}  // namespace roadsense::worker
