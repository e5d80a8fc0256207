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

int SendLimiter::reserve_for_interval(std::int64_t interval_ns) {
  if (interval_ns <= 0) return 3;
  const std::int64_t beats = (kWindowNs + interval_ns - 1) / interval_ns;  // ceil(60 s / interval)
  return static_cast<int>(std::min<std::int64_t>(beats + 1, kLimit / 2));
}

void IdentifyLimiter::refill(std::int64_t now_ns) {
  if (!limit_ || now_ns < limit_->reset_at_ns) return;
  limit_->remaining = limit_->total;
  // The next reset is a day after the last one (Discord's window is 24 h).
  while (limit_->reset_at_ns <= now_ns) limit_->reset_at_ns += kDayNs;
}

int IdentifyLimiter::bucket_of(int shard_id) const {
  return (shard_id < 0 ? -shard_id : shard_id) % max_concurrency_;
}

void IdentifyLimiter::start_in_order(std::vector<int> shard_ids, std::int64_t now_ns) {
  std::sort(shard_ids.begin(), shard_ids.end());
  shard_ids.erase(std::unique(shard_ids.begin(), shard_ids.end()), shard_ids.end());
  std::lock_guard lock(mu_);
  for (int id : shard_ids) {
    Turns& t = turns_[bucket_of(id)];
    t.order.push_back(id);
    t.expires_ns = now_ns + kTurnTimeoutNs;
  }
}

void IdentifyLimiter::set_coordinator(std::shared_ptr<IdentifyCoordinator> coordinator) {
  std::lock_guard lock(mu_);
  coordinator_ = std::move(coordinator);
}

std::int64_t IdentifyLimiter::local_turn(int shard_id, std::int64_t now_ns) {
  auto it = turns_.find(bucket_of(shard_id));
  if (it == turns_.end()) return now_ns;
  Turns& t = it->second;
  if (now_ns >= t.expires_ns) {  // the shard whose turn it is did not come: go on without it
    turns_.erase(it);
    return now_ns;
  }
  if (t.order.front() == shard_id ||
      std::find(t.order.begin(), t.order.end(), shard_id) == t.order.end()) {
    return now_ns;
  }
  return std::min(now_ns + kTurnPollNs, t.expires_ns);
}

std::int64_t IdentifyLimiter::turn(int shard_id, std::int64_t now_ns) {
  std::shared_ptr<IdentifyCoordinator> coordinator;
  {
    std::lock_guard lock(mu_);
    const std::int64_t local = local_turn(shard_id, now_ns);
    if (local > now_ns || !coordinator_) return local;
    // What acquire would answer, without taking the slot: the fleet-wide slot is asked for only
    // when the identify could go at once, so that it is sent within the lease it took.
    refill(now_ns);
    std::int64_t free_at = now_ns;
    if (limit_ && limit_->remaining <= 0) free_at = std::max(free_at, limit_->reset_at_ns);
    if (auto it = next_by_bucket_.find(bucket_of(shard_id)); it != next_by_bucket_.end()) {
      free_at = std::max(free_at, it->second);
    }
    if (free_at > now_ns) return free_at;
    coordinator = coordinator_;
  }
  // Without the lock: the round trip must not hold up the other shards' limiter calls. Two
  // shards of one bucket may both get here; the coordinator lets one of them through.
  const std::int64_t at = coordinator->try_take(bucket_of(shard_id), shard_id, now_ns);
  return at > now_ns ? at : now_ns;
}

std::int64_t IdentifyLimiter::acquire(int shard_id, std::int64_t now_ns) {
  std::lock_guard lock(mu_);
  refill(now_ns);
  const int bucket = bucket_of(shard_id);
  if (auto t = turns_.find(bucket); t != turns_.end()) {
    auto& order = t->second.order;
    if (auto at = std::find(order.begin(), order.end(), shard_id); at != order.end()) {
      order.erase(at);
      // The next shard's turn has come: it gets its own time to show up.
      t->second.expires_ns = now_ns + kTurnTimeoutNs;
    }
    if (order.empty()) turns_.erase(t);
  }
  std::int64_t earliest = now_ns;
  if (limit_ && limit_->remaining <= 0) earliest = std::max(now_ns, limit_->reset_at_ns);
  auto [it, inserted] = next_by_bucket_.try_emplace(bucket, earliest);
  const std::int64_t at = std::max(earliest, it->second);
  it->second = at + spacing_ns_;
  return at;
}

void IdentifyLimiter::spend(std::int64_t now_ns) {
  std::lock_guard lock(mu_);
  refill(now_ns);
  if (limit_ && limit_->remaining > 0) --limit_->remaining;
}

std::optional<int> IdentifyLimiter::remaining_today() const {
  std::lock_guard lock(mu_);
  if (!limit_) return std::nullopt;
  return limit_->remaining;
}

}  // namespace gwtape::gateway
