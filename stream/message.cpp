// stream/message.cpp — gwtape's messages in a JetStream stream: subjects, headers, ids.
#include "gwtape/stream/message.h"

#include <charconv>
#include <random>

namespace gwtape::stream {
namespace {

constexpr const char* kKind = "Gwtape-Kind";
constexpr const char* kRecording = "Gwtape-Recording";
constexpr const char* kSeq = "Gwtape-Seq";
constexpr const char* kConn = "Gwtape-Conn";
constexpr const char* kTs = "Gwtape-Ts-Ns";
constexpr const char* kDirection = "Gwtape-Direction";
constexpr const char* kStarted = "Gwtape-Started-Ns";
constexpr const char* kGatewayUrl = "Gwtape-Gateway-Url";
constexpr const char* kApiVersion = "Gwtape-Api-Version";
constexpr const char* kEncoding = "Gwtape-Encoding";
constexpr const char* kCompress = "Gwtape-Compress";
constexpr const char* kIntents = "Gwtape-Intents";
constexpr const char* kShardId = "Gwtape-Shard-Id";
constexpr const char* kShardCount = "Gwtape-Shard-Count";
constexpr const char* kToolVersion = "Gwtape-Tool-Version";
constexpr const char* kClosedBy = "Gwtape-Closed-By";
constexpr const char* kCode = "Gwtape-Code";
constexpr const char* kEnded = "Gwtape-Ended-Ns";
constexpr const char* kDigest = "Gwtape-Digest";

// A header value is one line: CR and LF (which NATS headers cannot carry) become spaces.
std::string one_line(std::string_view v) {
  std::string out(v);
  for (char& c : out) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return out;
}

Message start(const RecordingKey& key, std::string_view kind_token, std::string_view kind,
              std::uint32_t conn, std::uint64_t seq) {
  Message m;
  m.subject = key.stream + "." + key.bot + "." + key.shard + "." + std::string(kind_token);
  m.msg_id = std::to_string(key.recording) + "/" + std::to_string(conn) + "/" + std::to_string(seq);
  m.headers.emplace_back(kKind, std::string(kind));
  m.headers.emplace_back(kRecording, std::to_string(key.recording));
  m.headers.emplace_back(kSeq, std::to_string(seq));
  m.recording = key.recording;
  m.seq = seq;
  return m;
}

const std::string* find(const Headers& h, std::string_view key) {
  for (const auto& [k, v] : h) {
    if (k == key) return &v;
  }
  return nullptr;
}

Error bad(std::string_view subject, std::string what) {
  return make_error(Errc::kBadMessage, "message on " + std::string(subject) + ": " +
                                           std::move(what) +
                                           " (not a message gwtape record publishes)");
}

template <class T>
Result<T> number(std::string_view subject, const Headers& h, const char* key, T lo, T hi) {
  const std::string* v = find(h, key);
  if (!v) return bad(subject, std::string("no ") + key + " header");
  T n{};
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || end != v->data() + v->size() || n < lo || n > hi) {
    return bad(subject, std::string(key) + " \"" + *v + "\" is not a number in range");
  }
  return n;
}

Result<std::string> text(std::string_view subject, const Headers& h, const char* key) {
  const std::string* v = find(h, key);
  if (!v) return bad(subject, std::string("no ") + key + " header");
  return *v;
}

}  // namespace

bool valid_stream_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string bot_of_token(std::string_view token) {
  const auto dot = token.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 40) return "unknown";
  // base64 (standard or URL alphabet, no padding) of a decimal user id.
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : token.substr(0, dot)) {
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '+' || c == '-') {
      v = 62;
    } else if (c == '/' || c == '_') {
      v = 63;
    } else if (c == '=') {
      break;
    } else {
      return "unknown";
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (out.size() < 15 || out.size() > 20) return "unknown";
  for (char c : out) {
    if (c < '0' || c > '9') return "unknown";
  }
  return out;
}

std::int64_t new_recording_id() {
  std::random_device rd;
  const std::uint64_t hi = rd(), lo = rd();
  const std::uint64_t v = ((hi << 32) | lo) & ((std::uint64_t{1} << 53) - 1);
  return static_cast<std::int64_t>(v == 0 ? 1 : v);
}

std::string all_subjects(std::string_view stream) { return std::string(stream) + ".>"; }

Message encode_begin(const RecordingKey& key, const store::RecordingInfo& info) {
  Message m = start(key, "rec", "begin", 0, 0);
  m.kind = Kind::kBegin;
  // A free-text header is left out when empty: libnats reads a message with an empty header
  // value back without any of its headers.
  auto add_text = [&](const char* key, std::string_view value) {
    if (!value.empty()) m.headers.emplace_back(key, one_line(value));
  };
  m.headers.emplace_back(kStarted, std::to_string(info.started_at_ns));
  add_text(kGatewayUrl, info.gateway_url);
  m.headers.emplace_back(kApiVersion, std::to_string(info.api_version));
  add_text(kEncoding, info.encoding);
  add_text(kCompress, info.compress);
  m.headers.emplace_back(kIntents, std::to_string(info.intents));
  if (info.shard_id) m.headers.emplace_back(kShardId, std::to_string(*info.shard_id));
  if (info.shard_count) m.headers.emplace_back(kShardCount, std::to_string(*info.shard_count));
  add_text(kToolVersion, info.tool_version);
  m.data = info.redactions;
  return m;
}

Message encode_frame(const RecordingKey& key, std::uint64_t seq, const store::Frame& frame) {
  const char* dir = direction_name(frame.direction);
  Message m = start(key, dir, "frame", frame.conn, seq);
  m.headers.emplace_back(kConn, std::to_string(frame.conn));
  m.headers.emplace_back(kTs, std::to_string(frame.ts_ns));
  m.headers.emplace_back(kDirection, dir);
  m.data = frame.text;
  return m;
}

Message encode_connection_end(const RecordingKey& key, std::uint64_t seq,
                              const store::ConnectionEnd& end) {
  Message m = start(key, "conn", "conn-end", end.conn, seq);
  m.kind = Kind::kConnectionEnd;
  m.headers.emplace_back(kConn, std::to_string(end.conn));
  m.headers.emplace_back(kTs, std::to_string(end.ts_ns));
  m.headers.emplace_back(kClosedBy, closed_by_name(end.closed_by));
  if (end.code) m.headers.emplace_back(kCode, std::to_string(*end.code));
  m.data = end.reason;
  return m;
}

Message encode_end(const RecordingKey& key, std::uint64_t seq, std::int64_t ended_at_ns,
                   const std::optional<std::string>& state_digest) {
  Message m = start(key, "rec", "end", 0, seq);
  m.kind = Kind::kEnd;
  m.headers.emplace_back(kEnded, std::to_string(ended_at_ns));
  if (state_digest) m.headers.emplace_back(kDigest, one_line(*state_digest));
  return m;
}

Result<Decoded> decode(std::string_view subject, const Headers& h, std::string_view data) {
  constexpr std::int64_t kMaxI64 = INT64_MAX;
  Decoded d;
  auto kind = text(subject, h, kKind);
  if (!kind) return std::move(kind).error();
  auto rec = number<std::int64_t>(subject, h, kRecording, 1, kMaxI64);
  if (!rec) return std::move(rec).error();
  auto seq = number<std::uint64_t>(subject, h, kSeq, 0, UINT64_MAX);
  if (!seq) return std::move(seq).error();
  d.recording = *rec;
  d.seq = *seq;
  if (*kind == "frame" || *kind == "conn-end") {
    auto conn = number<std::uint32_t>(subject, h, kConn, 0, UINT32_MAX);
    if (!conn) return std::move(conn).error();
    auto ts = number<std::int64_t>(subject, h, kTs, INT64_MIN, kMaxI64);
    if (!ts) return std::move(ts).error();
    if (*kind == "frame") {
      auto dir = text(subject, h, kDirection);
      if (!dir) return std::move(dir).error();
      if (*dir != "recv" && *dir != "send") {
        return bad(subject, std::string(kDirection) + " \"" + *dir + "\" is not recv or send");
      }
      d.kind = Kind::kFrame;
      d.frame.recording_id = *rec;
      d.frame.conn = *conn;
      d.frame.ts_ns = *ts;
      d.frame.direction = *dir == "send" ? Direction::kSend : Direction::kRecv;
      d.frame.text.assign(data);
      return d;
    }
    auto by_name = text(subject, h, kClosedBy);
    if (!by_name) return std::move(by_name).error();
    auto by = closed_by_from_name(*by_name);
    if (!by) return bad(subject, std::string(kClosedBy) + " \"" + *by_name + "\" is unknown");
    d.kind = Kind::kConnectionEnd;
    d.end.recording_id = *rec;
    d.end.conn = *conn;
    d.end.ts_ns = *ts;
    d.end.closed_by = *by;
    if (find(h, kCode)) {
      auto code = number<int>(subject, h, kCode, 0, 65535);
      if (!code) return std::move(code).error();
      d.end.code = *code;
    }
    d.end.reason.assign(data);
    return d;
  }
  if (*kind == "begin") {
    d.kind = Kind::kBegin;
    auto started = number<std::int64_t>(subject, h, kStarted, INT64_MIN, kMaxI64);
    if (!started) return std::move(started).error();
    auto api = number<int>(subject, h, kApiVersion, 0, INT32_MAX);
    if (!api) return std::move(api).error();
    auto intents = number<std::int64_t>(subject, h, kIntents, INT64_MIN, kMaxI64);
    if (!intents) return std::move(intents).error();
    for (auto [field, key] : {std::pair{&d.info.gateway_url, kGatewayUrl},
                              {&d.info.encoding, kEncoding},
                              {&d.info.compress, kCompress},
                              {&d.info.tool_version, kToolVersion}}) {
      const std::string* v = find(h, key);  // absent: empty (see encode_begin)
      field->assign(v ? *v : std::string());
    }
    d.info.started_at_ns = *started;
    d.info.api_version = *api;
    d.info.intents = *intents;
    if (find(h, kShardId) || find(h, kShardCount)) {
      auto count = number<int>(subject, h, kShardCount, 1, INT32_MAX);
      if (!count) return std::move(count).error();
      auto id = number<int>(subject, h, kShardId, 0, *count - 1);
      if (!id) return std::move(id).error();
      d.info.shard_id = *id;
      d.info.shard_count = *count;
    }
    d.info.redactions.assign(data);
    return d;
  }
  if (*kind == "end") {
    d.kind = Kind::kEnd;
    auto ended = number<std::int64_t>(subject, h, kEnded, INT64_MIN, kMaxI64);
    if (!ended) return std::move(ended).error();
    d.ended_at_ns = *ended;
    if (const std::string* digest = find(h, kDigest)) d.state_digest = *digest;
    return d;
  }
  return bad(subject, std::string(kKind) + " \"" + *kind + "\" is unknown");
}

}  // namespace gwtape::stream
