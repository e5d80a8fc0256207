// gwtape/stream/identify_lease.h — Discord's identify buckets shared by a fleet of processes,
// as leases in a NATS JetStream key-value bucket (docs/GATEWAY.md, "Identify buckets across
// processes").
//
// Discord lets a bot identify at most once per 5 s in each bucket (shard_id % max_concurrency),
// whichever process the shard runs in. `IdentifyLease` is the gateway::IdentifyCoordinator
// that `gwtape record --nats-identify` gives its IdentifyLimiter: before a shard identifies,
// it takes its bucket's lease, a key `identify.<bot>.<bucket>` whose value says until when
// (wall clock) and by whom it is held. Taking is a compare-and-set: kvStore_Create when the key
// is absent, kvStore_Update with the revision read when the lease in place has ended, so of
// several processes asking at once exactly one gets it. The KV bucket (created when missing:
// history 1, TTL the lease's hold) lets the server drop an ended lease by itself too.
//
// `try_take` never waits for the slot: it answers with a time to ask again (the protocol keeps
// beating meanwhile). Nor, by default (`background`), for NATS: it hands the attempt to a
// thread of the lease's own and answers "ask again in 10 ms" until that thread has the answer,
// so a connection's loop thread never waits on the network. `take` waits for NATS: at most
// `op_timeout` for the first connection, and as long for each KV request (a read and a write).
// While NATS does not answer, no identify goes (the fleet's limit is not known to be kept): it
// asks again every `retry_unreachable`. A lease granted in the background is used only within
// half the hold margin of its taking (later, the identify could come too close to the next
// holder's); past that it is left to end, and asked for again.
//
// Thread-safety: every method may be called from any thread (the shards of a process share one
// lease object; calls are serialized inside). Lifetimes: the clock must outlive the lease, and
// with `background` be safe to read from two threads (SystemClock is); `open` returns a shared
// owner (an IdentifyLimiter keeps one); the destructor waits for an attempt under way.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gwtape/gateway/clock.h"
#include "gwtape/gateway/limits.h"
#include "gwtape/stream/errors.h"

namespace gwtape::stream {

struct IdentifyLeaseOptions {
  std::vector<std::string> urls;           // nats://HOST:PORT, at least one
  std::string bucket = "GWTAPE_IDENTIFY";  // the KV bucket: 1-64 of A-Z a-z 0-9 _ -
  std::string bot = "unknown";             // the bot (bot_of_token): buckets are per bot
  // What a lease lasts beyond the spacing: the time between a lease's taking and its
  // identify's arrival differs from one lease to the next by up to this much.
  static constexpr std::int64_t kHoldMarginNs = 250'000'000;
  // How long a lease keeps its bucket: the identify spacing plus the margin.
  std::int64_t hold_ns = gateway::IdentifyLimiter::kSpacingNs + kHoldMarginNs;
  int replicas = 1;                                   // of a KV bucket created here (1..5)
  std::chrono::milliseconds op_timeout{500};          // one KV request, or the first connect
  std::chrono::milliseconds retry_unreachable{1000};  // NATS did not answer: ask again after
  std::chrono::milliseconds retry_conflict{20};       // lost a race: ask again after
  // try_take asks NATS on the lease's own thread (false: on the caller's, through take()).
  bool background = true;
  static constexpr std::int64_t kAskAgainNs = 10'000'000;  // background: answer not there yet
};

// The bucket name `gwtape record --nats-identify` uses for stream `stream`: `<stream>_IDENTIFY`.
std::string identify_bucket_for(std::string_view stream);
// The key of one identify bucket's lease: `identify.<bot>.<bucket>`.
std::string identify_key(std::string_view bot, int bucket);

// A lease's value, as take() writes it: `gwtape-identify until=<ns> shard=<id> holder=<id>`.
std::string lease_value(std::int64_t until_wall_ns, int shard_id, std::string_view holder);
// The end (Unix-epoch ns, > 0) of the lease a value read from the KV bucket holds; nullopt for
// a value gwtape did not write. The one parser of the bucket's bytes (fuzz_stream runs it).
std::optional<std::int64_t> lease_until(std::string_view value);

// What one attempt found.
struct LeaseAnswer {
  bool granted = false;  // the lease is ours, until until_wall_ns
  // The end of the lease in place (ours when granted), Unix-epoch ns; 0 when unknown (a
  // compare-and-set lost to another taker: its value was not read).
  std::int64_t until_wall_ns = 0;
  std::string holder;  // the lease's value of the lease in place ("" when unknown)
};

class IdentifyLease final : public gateway::IdentifyCoordinator {
 public:
  // Connects in the background (never waits for a server). kInvalidArgument for no URL, a bad
  // bucket name, hold_ns under 100 ms (JetStream's least TTL) or replicas out of 1..5.
  static Result<std::shared_ptr<IdentifyLease>> open(IdentifyLeaseOptions options,
                                                     gateway::Clock& clock);
  ~IdentifyLease() override;
  IdentifyLease(const IdentifyLease&) = delete;
  IdentifyLease& operator=(const IdentifyLease&) = delete;

  // One attempt to take `bucket`'s lease for `shard_id` at clock.wall_ns(). kUnreachable when
  // NATS did not answer (or the KV bucket could not be found or created), kBadMessage for a
  // key whose value gwtape did not write (it is then left alone: no identify goes).
  Result<LeaseAnswer> take(int bucket, int shard_id);

  // gateway::IdentifyCoordinator: take() in the limiter's terms (now_ns is the clock's
  // monotonic time): now_ns when granted; else the lease's end, or a retry delay (with
  // `background`, now_ns + kAskAgainNs while the attempt is under way).
  std::int64_t try_take(int bucket, int shard_id, std::int64_t now_ns) override;

  struct Stats {
    std::uint64_t granted = 0;
    std::uint64_t held = 0;      // the bucket's lease was someone else's (or a race was lost)
    std::uint64_t failures = 0;  // take() failed
    std::string last_failure;
  };
  Stats stats() const;

  // This lease object's holder id (random, in every value it writes).
  const std::string& holder_id() const;

  struct Impl;

 private:
  explicit IdentifyLease(std::unique_ptr<Impl> impl);
  void serve();  // the background thread: the attempts try_take asked for, one at a time
  std::unique_ptr<Impl> impl_;
};

}  // namespace gwtape::stream
