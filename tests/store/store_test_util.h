// tests/store/store_test_util.h — temporary directories, file bytes, frame builders and a
// little SQL for the store's tests.
#pragma once

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "gwtape/store/frame.h"

namespace gwtape::store::testing {

// A fresh directory under /tmp, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "gwtape-store-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data()) ? tmpl : std::string();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Small, varied gateway frames: dispatches with guild and channel ids, heartbeats, sends.
class FrameBuilder {
 public:
  explicit FrameBuilder(std::uint32_t seed = 7) : rng_(seed) {}

  std::string dispatch(const std::string& t, std::int64_t s, std::uint64_t guild,
                       std::uint64_t channel) {
    std::string words;
    int n = static_cast<int>(rng_() % 12) + 1;
    for (int i = 0; i < n; ++i) words += kWords[rng_() % std::size(kWords)] + std::string(" ");
    return R"({"t":")" + t + R"(","s":)" + std::to_string(s) + R"(,"op":0,"d":{"id":")" +
           std::to_string(1100000000000000000ull + rng_() % 1000000000) + R"(","channel_id":")" +
           std::to_string(channel) + R"(","guild_id":")" + std::to_string(guild) +
           R"(","content":")" + words +
           R"(","author":{"id":"80351110224678912","username":"Nelly"},"tts":false}})";
  }
  static std::string heartbeat(std::int64_t s) {
    return R"({"op":1,"d":)" + std::to_string(s) + "}";
  }
  static std::string heartbeat_ack() { return R"({"op":11,"d":null})"; }
  static std::string identify() {
    return R"({"op":2,"d":{"token":"[redacted]","intents":513,"properties":{"os":"linux"}}})";
  }

  // A session: identify (send), then dispatches numbered from 1 with a heartbeat every 20.
  std::vector<Frame> session(std::int64_t recording, int count, std::int64_t t0 = 1'000'000'000) {
    std::vector<Frame> out;
    std::int64_t s = 0;
    for (int i = 0; i < count; ++i) {
      Frame f;
      f.recording_id = recording;
      f.conn = 1;
      f.ts_ns = t0 + static_cast<std::int64_t>(i) * 1'234'567;
      if (i == 0) {
        f.direction = Direction::kSend;
        f.text = identify();
      } else if (i % 20 == 0) {
        f.direction = Direction::kSend;
        f.text = heartbeat(s);
      } else if (i % 20 == 1 && i > 1) {
        f.text = heartbeat_ack();
      } else {
        const char* t = kEvents[rng_() % std::size(kEvents)];
        f.text = dispatch(t, ++s, 197038439483310086ull + rng_() % 3,
                          41771983423143937ull + rng_() % 40);
      }
      out.push_back(std::move(f));
    }
    return out;
  }

 private:
  static constexpr const char* kWords[] = {"the",   "gateway", "sends", "frames", "in",
                                           "order", "and",     "we",    "keep",   "them"};
  static constexpr const char* kEvents[] = {"MESSAGE_CREATE", "MESSAGE_CREATE", "TYPING_START",
                                            "MESSAGE_UPDATE", "GUILD_MEMBER_UPDATE"};
  std::mt19937 rng_;
};

// Runs a query on `db` and returns the first column of each row as bytes ("<null>" for NULL).
inline std::vector<std::string> column(sqlite3* db, const std::string& sql) {
  std::vector<std::string> out;
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
    out.push_back(std::string("<error: ") + sqlite3_errmsg(db) + ">");
    return out;
  }
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    if (sqlite3_column_type(s, 0) == SQLITE_NULL) {
      out.emplace_back("<null>");
    } else {
      const char* p = static_cast<const char*>(sqlite3_column_blob(s, 0));
      out.emplace_back(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(s, 0)));
    }
  }
  if (rc != SQLITE_DONE) out.push_back(std::string("<error: ") + sqlite3_errmsg(db) + ">");
  sqlite3_finalize(s);
  return out;
}

}  // namespace gwtape::store::testing
