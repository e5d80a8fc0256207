// stream/publisher.cpp — the spool and the thread that empties it into JetStream.
#include "gwtape/stream/publisher.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

namespace gwtape::stream {
namespace {

// Payload bytes one window sends at most (besides kPublishWindow messages).
constexpr std::size_t kWindowBytes = std::size_t{4} << 20;

std::size_t weight(const Message& m) {
  std::size_t n = m.subject.size() + m.data.size() + m.msg_id.size() + 64;
  for (const auto& [k, v] : m.headers) n += k.size() + v.size() + 4;
  return n;
}

}  // namespace

struct Publisher::Impl {
  // A message held, or a range of one recording's messages left to its spill source.
  struct Item {
    Message message;  // when !spilled
    bool spilled = false;
    std::int64_t recording = 0;  // when spilled: which recording, which sequence numbers
    std::uint64_t from = 0, to = 0;
  };

  PublisherOptions options;
  std::unique_ptr<JetStream> js;
  mutable std::mutex mu;
  std::condition_variable cv;       // the thread waits for work or stop
  std::condition_variable drained;  // flush waits for acknowledgements
  std::deque<Item> spool;           // push_back / pop_front keep references to the others
  std::size_t spool_bytes = 0;
  std::map<std::int64_t, std::shared_ptr<SpillSource>> sources;  // by recording
  std::map<std::int64_t, Item*> open_ranges;  // a recording's range still in the spool
  PublisherStats stats;
  std::optional<Error> error;  // the first one; the publisher stops taking messages
  bool stopping = false;
  bool closed = false;
  std::thread thread;

  void fail(Error e) {
    std::lock_guard lock(mu);
    if (!error) error = std::move(e);
    drained.notify_all();
  }

  // Removes the spool's head (REQUIRES: mu held).
  void pop_head() {
    Item& head = spool.front();
    if (head.spilled) {
      auto open = open_ranges.find(head.recording);
      if (open != open_ranges.end() && open->second == &head) open_ranges.erase(open);
    } else {
      spool_bytes -= weight(head.message);
    }
    spool.pop_front();
    if (spool.empty()) drained.notify_all();
  }

  void run() {
    bool have_stream = false;
    auto wait = options.retry_wait;
    std::deque<Message> refill;  // the head range's messages, read back from its source
    std::vector<const Message*> window;
    for (;;) {
      window.clear();
      bool from_refill = false;
      SpillSource* source = nullptr;
      std::uint64_t from = 0, to = 0;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return stopping || error || !spool.empty(); });
        if (error || spool.empty()) return;  // stopping with nothing left, or failed
        const Item& head = spool.front();
        if (head.spilled && head.from > head.to) {
          pop_head();  // the range is published
          continue;
        }
        if (head.spilled && refill.empty()) {
          source = sources[head.recording].get();
          from = head.from;
          to = head.to;
        } else if (head.spilled) {
          from_refill = true;
          for (std::size_t i = 0; i < refill.size() && i < kPublishWindow; ++i) {
            window.push_back(&refill[i]);
          }
        } else {
          // The held messages at the head, up to a window or the first range. The pointers
          // stay valid unlocked: append only pushes at the back, and only this thread pops.
          std::size_t bytes = 0;
          for (const Item& item : spool) {
            if (item.spilled || window.size() == kPublishWindow || bytes >= kWindowBytes) break;
            window.push_back(&item.message);
            bytes += item.message.data.size();
          }
        }
      }
      if (source) {
        // Read back outside the lock: appends go on meanwhile.
        auto read = source->read(from, to, std::size_t{1} << 20);
        if (read.ok() && (read->empty() || read->front().seq != from)) {
          read = make_error(Errc::kClosed,
                            "the spill source did not give back message " + std::to_string(from));
        }
        if (!read.ok()) {
          fail(make_error(read.error().code, "reading back spilled messages " +
                                                 std::to_string(from) + "-" + std::to_string(to) +
                                                 ": " + read.error().message));
          return;
        }
        for (auto& m : *read) refill.push_back(std::move(m));
        continue;
      }
      // Nothing is sent while no server is connected: libnats would buffer it and the
      // acknowledgements would time out anyway; this says so at once.
      Status st = js->connected()
                      ? Status{}
                      : make_error(Errc::kUnreachable,
                                   js->servers() + ": no server answers (still trying)");
      if (st.ok() && !have_stream) {
        st = js->ensure_stream();
        have_stream = st.ok();
      }
      std::size_t acknowledged = 0;
      if (st.ok()) {
        WindowResult r = js->publish_window(window);
        acknowledged = r.acknowledged;
        if (acknowledged < window.size()) st = r.failure;
      }
      if (acknowledged > 0) {
        std::lock_guard lock(mu);
        if (from_refill) {
          Item& head = spool.front();
          head.from = window[acknowledged - 1]->seq + 1;
          refill.erase(refill.begin(), refill.begin() + static_cast<std::ptrdiff_t>(acknowledged));
          if (head.from > head.to) pop_head();
        } else {
          for (std::size_t i = 0; i < acknowledged; ++i) pop_head();
        }
        stats.acknowledged += acknowledged;
        stats.reachable = true;
        wait = options.retry_wait;
      }
      if (st.ok()) continue;
      // A stream that is not ours, or one the cluster refuses for good (a single server asked
      // for replicas, subjects another stream has), does not get better by waiting; an outage,
      // a leader election or a lost acknowledgement does. The stream is looked up again after
      // a failure (it may have been deleted meanwhile). The retry starts at the first message
      // not acknowledged, with the same ids: what a window stored after it is deduplicated.
      if (st.error().code == Errc::kStream) {
        fail(st.error());
        return;
      }
      have_stream = false;
      {
        std::unique_lock lock(mu);
        ++stats.retries;
        stats.reachable = false;
        stats.last_failure = st.error().message;
        // Woken early only to give up (close's deadline passed: stopping and told to).
        cv.wait_for(lock, wait, [&] { return error.has_value(); });
        if (error) return;
      }
      wait = std::min(wait * 2, options.max_retry_wait);
    }
  }
};

Result<std::unique_ptr<Publisher>> Publisher::start(const PublisherOptions& options) {
  auto js = JetStream::connect(options.jetstream);
  if (!js.ok()) return std::move(js).error();
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->js = std::move(*js);
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->run(); });
  return std::unique_ptr<Publisher>(new Publisher(std::move(impl)));
}

Publisher::Publisher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Publisher::~Publisher() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
    if (!impl_->error) impl_->error = make_error(Errc::kClosed, "publisher destroyed");
  }
  impl_->cv.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
}

Status Publisher::append(Message message) {
  std::lock_guard lock(impl_->mu);
  if (impl_->error) return *impl_->error;
  if (impl_->closed) return make_error(Errc::kClosed, "publisher closed");
  const bool spillable = message.kind == Kind::kFrame || message.kind == Kind::kConnectionEnd;
  // A recording with a range in the spool adds to it: its messages stay in order.
  if (auto open = impl_->open_ranges.find(message.recording);
      spillable && open != impl_->open_ranges.end() && open->second->to + 1 == message.seq) {
    open->second->to = message.seq;
    ++impl_->stats.appended;
    ++impl_->stats.spilled;
    impl_->cv.notify_one();
    return {};
  }
  const std::size_t w = weight(message);
  const bool has_source = impl_->sources.count(message.recording) > 0;
  // With a source, a recording's start and end are always held (two small messages).
  if (impl_->spool_bytes + w > impl_->options.spool_bytes && !(has_source && !spillable)) {
    if (has_source) {
      Impl::Item range;
      range.spilled = true;
      range.recording = message.recording;
      range.from = range.to = message.seq;
      impl_->spool.push_back(std::move(range));
      impl_->open_ranges[message.recording] = &impl_->spool.back();
      ++impl_->stats.appended;
      ++impl_->stats.spilled;
      impl_->cv.notify_one();
      return {};
    }
    impl_->error =
        make_error(Errc::kSpoolFull,
                   "the local spool is full (" + std::to_string(impl_->spool.size()) +
                       " messages, " + std::to_string(impl_->spool_bytes) + " bytes) while " +
                       impl_->js->servers() + " does not acknowledge (" +
                       (impl_->stats.last_failure.empty() ? std::string("no acknowledgement yet")
                                                          : impl_->stats.last_failure) +
                       "); message " + message.msg_id + " and later were not published");
    impl_->drained.notify_all();
    return *impl_->error;
  }
  impl_->spool_bytes += w;
  Impl::Item item;
  item.message = std::move(message);
  impl_->spool.push_back(std::move(item));
  ++impl_->stats.appended;
  impl_->stats.spool_high_water = std::max(impl_->stats.spool_high_water, impl_->spool.size());
  impl_->cv.notify_one();
  return {};
}

void Publisher::spill_to(std::int64_t recording, std::shared_ptr<SpillSource> source) {
  std::lock_guard lock(impl_->mu);
  impl_->sources[recording] = std::move(source);
}

Status Publisher::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  // Every message appended so far is acknowledged when the count reaches this.
  const std::uint64_t target = impl_->stats.appended;
  const bool done = impl_->drained.wait_for(lock, timeout, [&] {
    return impl_->error.has_value() || impl_->stats.acknowledged >= target;
  });
  if (impl_->error) return *impl_->error;
  if (!done) {
    return make_error(Errc::kTimeout,
                      std::to_string(target - impl_->stats.acknowledged) +
                          " message(s) not acknowledged by " + impl_->js->servers() + " within " +
                          std::to_string(timeout.count()) + " ms" +
                          (impl_->stats.last_failure.empty()
                               ? std::string()
                               : " (last failure: " + impl_->stats.last_failure + ")"));
  }
  return {};
}

Status Publisher::status() const {
  std::lock_guard lock(impl_->mu);
  if (impl_->error) return *impl_->error;
  return {};
}

PublisherStats Publisher::stats() const {
  std::lock_guard lock(impl_->mu);
  PublisherStats s = impl_->stats;
  s.spooled = impl_->spool.size() - impl_->open_ranges.size();
  for (const auto& [recording, range] : impl_->open_ranges)
    s.spooled += range->to + 1 - range->from;
  s.spooled_bytes = impl_->spool_bytes;
  return s;
}

Status Publisher::close(std::chrono::milliseconds timeout) {
  Status st = flush(timeout);
  {
    std::lock_guard lock(impl_->mu);
    impl_->closed = true;
    impl_->stopping = true;
    // What is left stays unpublished: stop the retries now.
    if (!st.ok() && !impl_->error) impl_->error = st.error();
  }
  impl_->cv.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
  return st;
}

}  // namespace gwtape::stream
