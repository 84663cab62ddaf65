#include "queue/message_body.h"

#include <array>
#include <functional>
#include <mutex>

namespace roadsense::queue {
namespace {

std::mutex& LockFor(const MessageBody* body) {
  static std::array<std::mutex, 64> stripes;
  return stripes[std::hash<const void*>()(body) / alignof(std::max_align_t) % stripes.size()];
}

}  // namespace

bool MessageBody::Budget::Reserve(uint64_t n) {
  uint64_t held = bytes_.load(std::memory_order_relaxed);
  do {
    if (held + n > max_bytes_) return false;
  } while (!bytes_.compare_exchange_weak(held, held + n, std::memory_order_relaxed));
  return true;
}

MessageBody::~MessageBody() {
  if (budget_ != nullptr) budget_->Release(text_.size());
}

MessageBody& MessageBody::operator=(std::string text) {
  std::lock_guard lock(LockFor(this));
  if (budget_ != nullptr) budget_->Release(text_.size());
  budget_.reset();
  text_ = std::move(text);
  location_ = {};
  in_memory_ = true;
  return *this;
}

bool MessageBody::View(std::string_view* text, WalLocation* location) const {
  std::lock_guard lock(LockFor(this));
  if (in_memory_) {
    *text = text_;
    return true;
  }
  *location = location_;
  return false;
}

WalLocation MessageBody::location() const {
  std::lock_guard lock(LockFor(this));
  return location_;
}

bool MessageBody::in_memory() const {
  std::lock_guard lock(LockFor(this));
  return in_memory_;
}

void MessageBody::Written(const WalLocation& location, const std::shared_ptr<Budget>& budget) {
  if (!location.known()) return;  // not readable back: keep the text
  std::lock_guard lock(LockFor(this));
  const bool first = !location_.known();
  location_ = location;
  if (!first || budget == nullptr || !in_memory_) return;
  if (budget->Reserve(text_.size())) {
    budget_ = budget;
  } else {
    std::string().swap(text_);  // the log holds it; give the memory back
    in_memory_ = false;
  }
}

}  // namespace roadsense::queue
