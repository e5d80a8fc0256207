// gwtape/gateway/limits.h — Discord's gateway rate limits, as small pure calculators.
//
// `SendLimiter`: at most 120 sends per 60 s per connection (Discord disconnects beyond that),
// with room always kept for heartbeats: user commands may use 120 - reserve slots, and the
// reserve is sized from the heartbeat interval (every beat of a window, plus identify/resume).
// `IdentifyLimiter` (the seed's Identifier limits): identifies are spaced 5 s apart within a
// bucket (`shard_id % max_concurrency`), and the daily `session_start_limit` is respected: a
// start is spent only when an identify is sent, and when none are left the next identify waits
// for the reset (`reset_after`), after which the day's total is available again. Shards that
// start together identify in bucket order (`start_in_order`): shards 0..max_concurrency-1
// first, then the next max_concurrency, whatever order their threads reach the limiter in.
// Both take the time as an argument: no clock inside.
// `IdentifyCoordinator`: a gate shared past the process (shards of several `gwtape record`
// processes, one bot): an IdentifyLimiter given one asks it, in `turn`, for its bucket's
// fleet-wide slot once the local rules would let the identify go now, and waits (returning a
// time to ask again, never blocking) while another process holds it. stream::IdentifyLease (a
// NATS JetStream key-value lease) is one; this module knows none.
//
// Thread-safety: SendLimiter has one owner (a connection's loop). IdentifyLimiter is
// thread-safe: shards of one process share it; a coordinator is called from several shards'
// threads at once (never with the limiter's lock held). Lifetimes: the limiter shares the
// ownership of its coordinator.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

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
  // Room for every heartbeat of a 60 s window at `interval_ns`, plus one identify or resume.
  static int reserve_for_interval(std::int64_t interval_ns);

 private:
  void expire(std::int64_t now_ns) const;
  int reserve_;
  mutable std::deque<std::int64_t> sent_;
};

class IdentifyCoordinator {
 public:
  virtual ~IdentifyCoordinator() = default;
  // Takes the fleet-wide slot of `bucket` (shard_id % max_concurrency) for an identify of
  // `shard_id` sent now: returns now_ns when it was taken, otherwise (> now_ns) when to ask
  // again (another process holds the slot, the coordinator cannot be reached...). Runs on a
  // connection's loop thread: it may do a short round trip, never wait for the slot itself.
  virtual std::int64_t try_take(int bucket, int shard_id, std::int64_t now_ns) = 0;
};

class IdentifyLimiter {
 public:
  static constexpr std::int64_t kSpacingNs = 5'000'000'000;
  static constexpr std::int64_t kDayNs = 24LL * 3600 * 1'000'000'000;

  // Discord's session_start_limit, as GET /gateway/bot gave it at `now`.
  struct SessionStartLimit {
    int total = 1000;
    int remaining = 1000;
    std::int64_t reset_at_ns = 0;  // when `remaining` becomes `total` again (now + reset_after)
  };

  // `spacing_ns`: between two identifies of one bucket (Discord's is 5 s; a loopback server
  // that allows less may be given less).
  explicit IdentifyLimiter(int max_concurrency = 1,
                           std::optional<SessionStartLimit> limit = std::nullopt,
                           std::int64_t spacing_ns = kSpacingNs)
      : max_concurrency_(max_concurrency < 1 ? 1 : max_concurrency),
        spacing_ns_(spacing_ns < 0 ? 0 : spacing_ns),
        limit_(limit) {}

  int max_concurrency() const { return max_concurrency_; }
  std::int64_t spacing_ns() const { return spacing_ns_; }

  // From now on `turn` also asks `coordinator` for the bucket's fleet-wide slot (nullptr: no
  // longer). REQUIRES: no shard uses the limiter yet.
  void set_coordinator(std::shared_ptr<IdentifyCoordinator> coordinator);

  // How long the order start_in_order sets is kept for shards that do not come.
  static constexpr std::int64_t kTurnTimeoutNs = 60'000'000'000;
  static constexpr std::int64_t kTurnPollNs = 20'000'000;

  // The shards about to start: within each bucket their first identifies go in ascending shard
  // order, so that shard N never identifies before shard N - max_concurrency, whatever order
  // their threads come in. Shards not named here are not held up. The order is dropped for a
  // bucket whose next shard has not come within kTurnTimeoutNs.
  void start_in_order(std::vector<int> shard_ids, std::int64_t now_ns);
  // now_ns when `shard_id` may take a slot (its turn, or it has none); otherwise when to ask
  // again (another shard of its bucket goes first). With a coordinator, now_ns also means that
  // the local slot is free now and the fleet-wide slot was taken (acquire then returns now_ns);
  // otherwise the time the local slot frees, or the coordinator's time to ask again.
  std::int64_t turn(int shard_id, std::int64_t now_ns);

  // When an identify for `shard_id` may be sent (>= now_ns): its bucket's spacing, and, when
  // the day's session starts are used up, not before the reset. Takes the bucket's slot, and
  // the shard's turn.
  std::int64_t acquire(int shard_id, std::int64_t now_ns);
  // An identify was sent: one session start is used.
  void spend(std::int64_t now_ns);
  std::optional<int> remaining_today() const;

 private:
  void refill(std::int64_t now_ns);                            // REQUIRES: mu_ held
  std::int64_t local_turn(int shard_id, std::int64_t now_ns);  // REQUIRES: mu_ held
  int bucket_of(int shard_id) const;
  std::shared_ptr<IdentifyCoordinator> coordinator_;
  mutable std::mutex mu_;
  int max_concurrency_;
  std::int64_t spacing_ns_;
  std::optional<SessionStartLimit> limit_;
  std::map<int, std::int64_t> next_by_bucket_;
  struct Turns {
    std::deque<int> order;  // shards yet to identify for the first time, in order
    std::int64_t expires_ns = 0;
  };
  std::map<int, Turns> turns_;  // by bucket
};

}  // namespace gwtape::gateway
