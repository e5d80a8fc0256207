// gwtape/gateway/limits.h — Discord's gateway rate limits, as small pure calculators.
//
// `SendLimiter`: at most 120 sends per 60 s per connection (Discord disconnects beyond that),
// with room always kept for heartbeats: user commands may use 120 - reserve slots.
// `IdentifyLimiter` (the seed's Identifier limits): identifies are spaced 5 s apart within a
// bucket (`shard_id % max_concurrency`), and the daily `session_start_limit` is respected.
// Both take the time as an argument: no clock inside.
//
// Thread-safety: SendLimiter has one owner (a connection's loop). IdentifyLimiter is
// thread-safe: shards of one process share it. Lifetimes: none.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>

#include "gwtape/gateway/errors.h"

namespace gwtape::gateway {

class SendLimiter {
 public:
  static constexpr int kLimit = 120;
  static constexpr std::int64_t kWindowNs = 60'000'000'000;

  // `reserve` slots are kept for heartbeats (and identify/resume).
  explicit SendLimiter(int reserve = 3) : reserve_(reserve) {}

  // When a send of this kind may go, at or after now_ns.
  std::int64_t next_slot(std::int64_t now_ns, bool priority) const;
  void record(std::int64_t now_ns);
  void reset() { sent_.clear(); }
  void set_reserve(int reserve) { reserve_ = reserve; }

 private:
  void expire(std::int64_t now_ns) const;
  int reserve_;
  mutable std::deque<std::int64_t> sent_;
};

class IdentifyLimiter {
 public:
  static constexpr std::int64_t kSpacingNs = 5'000'000'000;

  explicit IdentifyLimiter(int max_concurrency = 1,
                           std::optional<int> remaining_today = std::nullopt)
      : max_concurrency_(max_concurrency < 1 ? 1 : max_concurrency), remaining_(remaining_today) {}

  // Takes an identify slot for `shard_id`: returns when it may be sent (>= now_ns), or
  // kRateLimited when the day's session starts are used up.
  Result<std::int64_t> acquire(int shard_id, std::int64_t now_ns);
  std::optional<int> remaining_today() const;

 private:
  mutable std::mutex mu_;
  int max_concurrency_;
  std::optional<int> remaining_;
  std::map<int, std::int64_t> next_by_bucket_;
};

}  // namespace gwtape::gateway
