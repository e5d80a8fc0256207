// tools/record_args.cpp — the flags of `gwtape record` (docs/CLI.md), read and checked.
#include <cstdint>
#include <string>

#include "gwtape/gateway/http.h"
#include "gwtape/stream/identify_lease.h"
#include "gwtape/stream/jetstream.h"
#include "gwtape/stream/message.h"
#include "record_session.h"
#include "tool_args.h"

namespace gwtape::tools {
namespace {

ArgResult<RecordArgs> bad(std::string message) {
  return make_error(ArgErrc::kUsage, std::move(message));
}

}  // namespace

ArgResult<RecordArgs> parse_record_args(const Args& args) {
  RecordArgs a;
  a.api_base = std::string(gateway::kDefaultApiBase);
  bool have_shard = false, have_shards = false, have_nats_option = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--nats-identify") {  // the one flag without a value
      a.nats_identify = true;
      continue;
    }
    std::string_view flag;
    std::string value;
    if (!take_flag(args, i, flag, value)) return bad("missing value for " + std::string(flag));
    if (flag == "--out") {
      a.out = value;
    } else if (flag == "--gateway") {
      if (value.rfind("ws://", 0) != 0 && value.rfind("wss://", 0) != 0) {
        return bad("--gateway takes a ws:// or wss:// URL, got \"" + value + "\"");
      }
      a.gateway_url = value;
    } else if (flag == "--api") {
      a.api_base = value;
    } else if (flag == "--intents") {
      // The recording's `intents` column is a signed 64-bit integer.
      auto n = parse_int_flag<std::int64_t>(flag, value, 1, INT64_MAX);
      if (!n) return bad(n.error().message);
      a.intents = static_cast<std::uint64_t>(*n);
    } else if (flag == "--compress") {
      auto c = gateway::parse_compression(value);
      if (!c.ok()) return bad(c.error().message);
      a.compress = *c;
    } else if (flag == "--shard") {
      // Identify carries [I, N] as 32-bit integers. I-J/N: shards I to J of N in this process
      // (at most as many as --shards allows).
      const auto slash = value.find('/');
      const std::string_view text(value);
      const std::string_view ids = text.substr(0, slash);
      const auto dash = ids.find('-');
      auto count = parse_int_flag<int>(flag, text.substr(slash + 1), 1, INT32_MAX);
      auto id = parse_int_flag<int>(flag, ids.substr(0, dash), 0, count ? *count - 1 : 0);
      auto last = dash == std::string_view::npos
                      ? id
                      : parse_int_flag<int>(flag, ids.substr(dash + 1), id ? *id : 0,
                                            count ? *count - 1 : 0);
      if (slash == std::string::npos || !count || !id || !last) {
        return bad("--shard takes I/N or I-J/N with 0 <= I <= J < N <= " +
                   std::to_string(INT32_MAX) + ", got \"" + value + "\"");
      }
      if (*last - *id >= 1024) {
        return bad("--shard " + value + " names " + std::to_string(*last - *id + 1) +
                   " shards: at most 1024 run in one process");
      }
      a.shard_id = *id;
      a.shard_last = *last;
      a.shard_count = *count;
      have_shard = true;
    } else if (flag == "--shards") {
      auto n = parse_int_flag<int>(flag, value, 1, 1024);
      if (!n) return bad(n.error().message);
      a.shard_count = *n;
      have_shards = true;
    } else if (flag == "--redact") {
      auto rule = recorder::RedactionRule::parse(value);
      if (!rule.ok()) return bad(rule.error().message);
      a.rules.push_back(std::move(*rule));
    } else if (flag == "--ca-file") {
      a.ca_file = value;
    } else if (flag == "--max-events") {
      // 0 would read as "no limit", which is what leaving the flag out says.
      auto n = parse_int_flag<std::uint64_t>(flag, value, 1, UINT64_MAX);
      if (!n) return bad(n.error().message);
      a.max_events = *n;
    } else if (flag == "--max-message-bytes") {
      // At least a page: HELLO and READY must fit. At most 4 GiB, far above any message.
      auto n = parse_int_flag<std::uint64_t>(flag, value, 4096, std::uint64_t{1} << 32);
      if (!n) return bad(n.error().message);
      a.max_message_bytes = static_cast<std::size_t>(*n);
    } else if (flag == "--duration") {
      auto s = parse_positive_flag(flag, value, "a finite number of seconds greater than 0");
      if (!s) return bad(s.error().message);
      a.duration_s = *s;
    } else if (flag == "--durability") {
      if (value == "interval") {
        a.durability = store::Durability::kInterval;
      } else if (value == "full") {
        a.durability = store::Durability::kFull;
      } else {
        return bad("--durability takes interval or full, got \"" + value + "\"");
      }
    } else if (flag == "--nats") {
      auto urls = stream::parse_urls(value);
      if (!urls.ok()) return bad("--nats: " + urls.error().message);
      a.nats_urls = std::move(*urls);
    } else if (flag == "--nats-stream") {
      if (!stream::valid_stream_name(value)) {
        return bad("--nats-stream takes 1-64 characters of A-Z a-z 0-9 _ -, got \"" + value + "\"");
      }
      a.nats_stream = value;
      have_nats_option = true;
    } else if (flag == "--nats-replicas") {
      auto n = parse_int_flag<int>(flag, value, 1, 5);
      if (!n) return bad(n.error().message);
      a.nats_replicas = *n;
      have_nats_option = true;
    } else if (flag == "--nats-spool-bytes") {
      auto n = parse_int_flag<std::uint64_t>(flag, value, 4096, std::uint64_t{1} << 40);
      if (!n) return bad(n.error().message);
      a.nats_spool_bytes = static_cast<std::size_t>(*n);
      have_nats_option = true;
    } else if (flag == "--nats-identify-bucket") {
      if (!stream::valid_stream_name(value)) {
        return bad("--nats-identify-bucket takes 1-64 characters of A-Z a-z 0-9 _ -, got \"" +
                   value + "\"");
      }
      a.nats_identify_bucket = value;
    } else if (flag == "--nats-identify") {
      return bad("--nats-identify takes no value");
    } else {
      return bad("unknown flag " + std::string(flag));
    }
  }
  if ((a.nats_identify || !a.nats_identify_bucket.empty()) && a.nats_urls.empty()) {
    return bad("--nats-identify and --nats-identify-bucket need --nats URL");
  }
  if (!a.nats_identify_bucket.empty() && !a.nats_identify) {
    return bad("--nats-identify-bucket needs --nats-identify");
  }
  if (a.nats_identify && a.nats_identify_bucket.empty()) {
    a.nats_identify_bucket = stream::identify_bucket_for(a.nats_stream);
    if (!stream::valid_stream_name(a.nats_identify_bucket)) {
      return bad("the identify bucket " + a.nats_identify_bucket + " made from --nats-stream is " +
                 "longer than 64 characters: name one with --nats-identify-bucket");
    }
  }
  if (a.out.empty() && a.nats_urls.empty()) return bad("--out LOG or --nats URL is required");
  if (have_nats_option && a.nats_urls.empty()) {
    return bad("--nats-stream, --nats-replicas and --nats-spool-bytes need --nats URL");
  }
  if (have_shard && have_shards) return bad("--shard and --shards exclude each other");
  return a;
}

}  // namespace gwtape::tools
