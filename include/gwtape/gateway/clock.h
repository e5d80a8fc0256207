// gwtape/gateway/clock.h — the injected sources of time and randomness.
//
// Protocol code never reads the OS clock or a random device: a live Gateway is given a
// SystemClock and a seeded SplitMix64, a test a ManualClock, the replayer the recorded
// timestamps. Times are nanoseconds; `now_ns` is monotonic, `wall_ns` is since the Unix epoch.
//
// Thread-safety: SystemClock is thread-safe; ManualClock and SplitMix64 are not (one owner).
// Lifetimes: none.
#pragma once

#include <cstdint>

namespace gwtape::gateway {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t now_ns() = 0;   // monotonic
  virtual std::int64_t wall_ns() = 0;  // Unix epoch
  // Blocks until now_ns() >= deadline_ns (a virtual clock just moves there).
  virtual void sleep_until(std::int64_t deadline_ns) = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t now_ns() override;
  std::int64_t wall_ns() override;
  void sleep_until(std::int64_t deadline_ns) override;
};

// A clock that moves only when told to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start_ns = 0) : now_(start_ns) {}
  std::int64_t now_ns() override { return now_; }
  std::int64_t wall_ns() override { return now_; }
  void sleep_until(std::int64_t deadline_ns) override {
    if (deadline_ns > now_) now_ = deadline_ns;
  }
  void set(std::int64_t ns) { now_ = ns; }
  void advance(std::int64_t ns) { now_ += ns; }

 private:
  std::int64_t now_;
};

class Random {
 public:
  virtual ~Random() = default;
  virtual std::uint64_t next_u64() = 0;
  // Uniform in [0, 1), from the top 53 bits.
  double uniform01() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
};

// Sebastiano Vigna's SplitMix64: small, fast, and the same sequence on every platform.
class SplitMix64 final : public Random {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next_u64() override {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

}  // namespace gwtape::gateway
