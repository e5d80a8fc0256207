// stream/identify_lease.cpp — identify-bucket leases in a JetStream key-value bucket (libnats).
#include "gwtape/stream/identify_lease.h"

#include <nats/nats.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "gwtape/stream/jetstream.h"
#include "gwtape/stream/message.h"
#include "nats_util.h"

namespace gwtape::stream {
namespace {

constexpr std::string_view kValuePrefix = "gwtape-identify until=";

using detail::nats_text;

}  // namespace

std::string identify_bucket_for(std::string_view stream) {
  return std::string(stream) + "_IDENTIFY";
}

std::string identify_key(std::string_view bot, int bucket) {
  return "identify." + std::string(bot) + "." + std::to_string(bucket);
}

std::string lease_value(std::int64_t until_wall_ns, int shard_id, std::string_view holder) {
  return std::string(kValuePrefix) + std::to_string(until_wall_ns) +
         " shard=" + std::to_string(shard_id) + " holder=" + std::string(holder);
}

std::optional<std::int64_t> lease_until(std::string_view value) {
  if (value.substr(0, kValuePrefix.size()) != kValuePrefix) return std::nullopt;
  value.remove_prefix(kValuePrefix.size());
  std::int64_t until = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), until);
  if (ec != std::errc() || until <= 0 || (end != value.data() + value.size() && *end != ' ')) {
    return std::nullopt;
  }
  return until;
}

struct IdentifyLease::Impl {
  IdentifyLeaseOptions options;
  gateway::Clock* clock = nullptr;
  std::string holder;
  std::string where;  // "nats://...: KV bucket NAME", for messages
  natsOptions* opts = nullptr;
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  std::mutex mu;  // serializes take(); guards kv
  kvStore* kv = nullptr;
  mutable std::mutex stats_mu;  // apart from mu: stats() never waits for a request
  Stats stats;

  void count(std::uint64_t Stats::*field, const std::string* failure = nullptr) {
    std::lock_guard lock(stats_mu);
    ++(stats.*field);
    if (failure) stats.last_failure = *failure;
  }

  // Background: the attempts try_take asked for, by (bucket, shard), and their answers once
  // the worker thread has them. An answer older than kAnswerKeepsNs is not used.
  static constexpr std::int64_t kAnswerKeepsNs = 1'000'000'000;
  struct Attempt {
    std::optional<Result<LeaseAnswer>> answer;
    std::int64_t answered_wall_ns = 0;
  };
  std::mutex attempts_mu;
  std::condition_variable attempts_cv;
  std::map<std::pair<int, int>, Attempt> attempts;
  std::deque<std::pair<int, int>> queue;  // asked, not yet tried
  bool stopping = false;
  std::thread worker;

  // `answer` in the limiter's terms (see try_take).
  std::int64_t when(const Result<LeaseAnswer>& answer, std::int64_t now_ns) const {
    if (!answer.ok()) return now_ns + std::chrono::nanoseconds(options.retry_unreachable).count();
    const std::int64_t wall = clock->wall_ns();
    if (answer->granted) {
      // Taken in the background a moment ago: used only while the identify still arrives
      // within the margin the hold allows; else it is left to end.
      const std::int64_t taken = answer->until_wall_ns - options.hold_ns;
      if (!options.background || wall - taken <= IdentifyLeaseOptions::kHoldMarginNs / 2) {
        return now_ns;
      }
    } else if (answer->until_wall_ns == 0) {
      return now_ns + std::chrono::nanoseconds(options.retry_conflict).count();
    }
    // Just after the lease's end, in the caller's (monotonic) time: now_ns was read before the
    // wall clock was, so the end itself could still find the lease held.
    return now_ns + std::max<std::int64_t>(answer->until_wall_ns - wall, 0) + 1'000'000;
  }

  ~Impl() {
    if (kv) kvStore_Destroy(kv);
    if (js) jsCtx_Destroy(js);
    if (nc) {
      natsConnection_Close(nc);
      natsConnection_Destroy(nc);
    }
    if (opts) natsOptions_Destroy(opts);
  }

  Error unreachable(const std::string& what, natsStatus s) const {
    return make_error(Errc::kUnreachable, where + ": " + what + ": " + nats_text(s));
  }

  // The KV bucket, found or created. REQUIRES: mu held.
  Status ensure_bucket() {
    if (kv) return {};
    // The first connection is made in the background: give it one round trip's time.
    const auto deadline = std::chrono::steady_clock::now() + options.op_timeout;
    while (natsConnection_Status(nc) != NATS_CONN_STATUS_CONNECTED) {
      if (std::chrono::steady_clock::now() >= deadline) {
        return make_error(Errc::kUnreachable, where + ": no server answers");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    natsStatus s = js_KeyValue(&kv, js, options.bucket.c_str());
    if (s == NATS_OK) return {};
    kv = nullptr;
    if (s != NATS_NOT_FOUND) return unreachable("opening", s);
    kvConfig cfg;
    kvConfig_Init(&cfg);
    cfg.Bucket = options.bucket.c_str();
    cfg.Description = "gwtape: identify-bucket leases (docs/GATEWAY.md)";
    cfg.History = 1;
    cfg.TTL = options.hold_ns;  // libnats takes it in ns, as the stream's MaxAge
    cfg.Replicas = options.replicas;
    s = js_CreateKeyValue(&kv, js, &cfg);
    if (s != NATS_OK) {
      kv = nullptr;
      return unreachable("creating with " + std::to_string(options.replicas) + " replica(s)", s);
    }
    return {};
  }

  // A compare-and-set that failed while the server answers lost to another taker.
  bool lost_race(natsStatus s) const {
    return s == NATS_ERR && natsConnection_Status(nc) == NATS_CONN_STATUS_CONNECTED;
  }
};

Result<std::shared_ptr<IdentifyLease>> IdentifyLease::open(IdentifyLeaseOptions options,
                                                           gateway::Clock& clock) {
  if (options.urls.empty()) return make_error(Errc::kInvalidArgument, "no server URL given");
  if (!valid_stream_name(options.bucket)) {
    return make_error(Errc::kInvalidArgument, "identify bucket name \"" + options.bucket +
                                                  "\" is not 1-64 characters of A-Z a-z 0-9 _ -");
  }
  // JetStream refuses a max age (the bucket's TTL) under 100 ms.
  if (options.hold_ns < 100'000'000 || options.replicas < 1 || options.replicas > 5) {
    return make_error(Errc::kInvalidArgument,
                      "an identify lease needs a hold of at least 100 ms and 1 to 5 replicas");
  }
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->clock = &clock;
  char holder[20];
  std::snprintf(holder, sizeof holder, "%llx", static_cast<unsigned long long>(new_recording_id()));
  impl->holder = holder;
  impl->where = detail::join_urls(impl->options.urls) + ": KV bucket " + impl->options.bucket;
  // As JetStream::connect: every server, forever, in the background; connect returns at once.
  natsStatus s = detail::background_options(&impl->opts, impl->options.urls, 200, 1000);
  if (s != NATS_OK) return make_error(Errc::kInvalidArgument, impl->where + ": " + nats_text(s));
  s = natsConnection_Connect(&impl->nc, impl->opts);
  if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) return impl->unreachable("connecting", s);
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = impl->options.op_timeout.count();
  s = natsConnection_JetStream(&impl->js, impl->nc, &jo);
  if (s != NATS_OK) return impl->unreachable("JetStream", s);
  std::shared_ptr<IdentifyLease> lease(new IdentifyLease(std::move(impl)));
  if (lease->impl_->options.background) {
    IdentifyLease* self = lease.get();
    lease->impl_->worker = std::thread([self] { self->serve(); });
  }
  return lease;
}

IdentifyLease::IdentifyLease(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

IdentifyLease::~IdentifyLease() {
  {
    std::lock_guard lock(impl_->attempts_mu);
    impl_->stopping = true;
  }
  impl_->attempts_cv.notify_all();
  if (impl_->worker.joinable()) impl_->worker.join();
}

void IdentifyLease::serve() {
  Impl& m = *impl_;
  for (;;) {
    std::pair<int, int> next;
    {
      std::unique_lock lock(m.attempts_mu);
      m.attempts_cv.wait(lock, [&] { return m.stopping || !m.queue.empty(); });
      if (m.stopping) return;
      next = m.queue.front();
      m.queue.pop_front();
    }
    auto answer = take(next.first, next.second);
    std::lock_guard lock(m.attempts_mu);
    auto it = m.attempts.find(next);
    if (it != m.attempts.end()) {
      it->second.answer = std::move(answer);
      it->second.answered_wall_ns = m.clock->wall_ns();
    }
  }
}

const std::string& IdentifyLease::holder_id() const { return impl_->holder; }

IdentifyLease::Stats IdentifyLease::stats() const {
  std::lock_guard lock(impl_->stats_mu);
  return impl_->stats;
}

Result<LeaseAnswer> IdentifyLease::take(int bucket, int shard_id) {
  Impl& m = *impl_;
  std::lock_guard lock(m.mu);
  auto failed = [&m](Error e) -> Result<LeaseAnswer> {
    m.count(&Stats::failures, &e.message);
    return e;
  };
  if (auto st = m.ensure_bucket(); !st.ok()) return failed(std::move(st).error());
  const std::string key = identify_key(m.options.bot, bucket);
  const std::int64_t now = m.clock->wall_ns();
  LeaseAnswer answer;
  answer.until_wall_ns = now + m.options.hold_ns;
  answer.holder = lease_value(answer.until_wall_ns, shard_id, m.holder);
  // A compare-and-set lost is read again once: to another taker (the answer then says whose
  // lease it is), or to the bucket's TTL, which dropped the ended lease between the read and the
  // write (the key is then absent, and created).
  for (int attempt = 0;; ++attempt) {
    kvEntry* entry = nullptr;
    natsStatus s = kvStore_Get(&entry, m.kv, key.c_str());
    if (s == NATS_OK) {
      const char* text = kvEntry_ValueString(entry);
      const std::string value = text ? text : "";
      const std::uint64_t revision = kvEntry_Revision(entry);
      kvEntry_Destroy(entry);
      const auto until = lease_until(value);
      if (!until) {
        return failed(make_error(Errc::kBadMessage, m.where + ": key " + key + " holds \"" + value +
                                                        "\", not a gwtape identify lease"));
      }
      if (*until > now) {  // held, by another process or another shard of this one
        m.count(&Stats::held);
        return LeaseAnswer{false, *until, value};
      }
      s = kvStore_Update(nullptr, m.kv, key.c_str(), answer.holder.data(),
                         static_cast<int>(answer.holder.size()), revision);
    } else if (s == NATS_NOT_FOUND) {  // never taken, or dropped by the bucket's TTL
      s = kvStore_Create(nullptr, m.kv, key.c_str(), answer.holder.data(),
                         static_cast<int>(answer.holder.size()));
    } else {
      return failed(m.unreachable("reading " + key, s));
    }
    if (s == NATS_OK) {
      m.count(&Stats::granted);
      answer.granted = true;
      return answer;
    }
    if (!m.lost_race(s)) return failed(m.unreachable("taking " + key, s));
    if (attempt == 1) {
      m.count(&Stats::held);
      return LeaseAnswer{};
    }
  }
}

std::int64_t IdentifyLease::try_take(int bucket, int shard_id, std::int64_t now_ns) {
  Impl& m = *impl_;
  if (!m.options.background) return m.when(take(bucket, shard_id), now_ns);
  std::optional<Result<LeaseAnswer>> answer;
  {
    std::lock_guard lock(m.attempts_mu);
    auto [it, fresh] = m.attempts.try_emplace({bucket, shard_id});
    if (!fresh && it->second.answer &&
        m.clock->wall_ns() - it->second.answered_wall_ns > Impl::kAnswerKeepsNs) {
      it->second = {};  // an answer nobody came for in time (the connection went): ask again
      fresh = true;
    }
    if (fresh) {
      m.queue.push_back(it->first);
      m.attempts_cv.notify_one();
    }
    if (!it->second.answer) return now_ns + IdentifyLeaseOptions::kAskAgainNs;
    answer = std::move(it->second.answer);
    m.attempts.erase(it);
  }
  return m.when(*answer, now_ns);
}

}  // namespace gwtape::stream
