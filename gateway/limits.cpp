#include "gwtape/gateway/limits.h"

#include <algorithm>
#include <string>

namespace gwtape::gateway {

void SendLimiter::expire(std::int64_t now_ns) const {
  while (!sent_.empty() && sent_.front() <= now_ns - kWindowNs) sent_.pop_front();
}

std::int64_t SendLimiter::next_slot(std::int64_t now_ns, bool priority) const {
  expire(now_ns);
  const int allowed = priority ? kLimit : kLimit - reserve_;
  if (static_cast<int>(sent_.size()) < allowed) return now_ns;
  // The slot frees when the send that makes room leaves the window.
  const std::size_t index = sent_.size() - static_cast<std::size_t>(allowed);
  return sent_[index] + kWindowNs;
}

void SendLimiter::record(std::int64_t now_ns) {
  expire(now_ns);
  sent_.push_back(now_ns);
}

Result<std::int64_t> IdentifyLimiter::acquire(int shard_id, std::int64_t now_ns) {
  std::lock_guard lock(mu_);
  if (remaining_ && *remaining_ <= 0) {
    return make_error(Errc::kRateLimited,
                      "identify: the daily session_start_limit is used up; Discord resets the "
                      "token of a bot that goes on identifying");
  }
  const int bucket = shard_id % max_concurrency_;
  auto [it, inserted] = next_by_bucket_.try_emplace(bucket, now_ns);
  const std::int64_t at = std::max(now_ns, it->second);
  it->second = at + kSpacingNs;
  if (remaining_) --*remaining_;
  return at;
}

std::optional<int> IdentifyLimiter::remaining_today() const {
  std::lock_guard lock(mu_);
  return remaining_;
}

}  // namespace gwtape::gateway
