// tools/record_session.h — the work of `gwtape record`: shards, gateways, recorders, one log.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli.h"
#include "flag_numbers.h"
#include "gwtape/common/result.h"
#include "gwtape/gateway/compression.h"
#include "gwtape/gateway/secret.h"
#include "gwtape/gateway/transport.h"
#include "gwtape/recorder/redact.h"
#include "gwtape/store/log_writer.h"
#include "gwtape/stream/publisher.h"

namespace gwtape::tools {

struct RecordArgs {
  std::string out;          // empty: no log (then --nats is required)
  std::string gateway_url;  // empty: ask /gateway/bot
  std::string api_base;     // REST base
  std::uint64_t intents = 513;
  gateway::Compression compress = gateway::Compression::kZstdStream;
  std::optional<int> shard_id;  // --shard I/N, or the first of --shard I-J/N
  int shard_last = -1;          // J of --shard I-J/N (I for --shard I/N)
  int shard_count = 0;          // N of --shard or --shards; 0: /gateway/bot's (or 1)
  std::vector<recorder::RedactionRule> rules;
  std::string ca_file;
  std::uint64_t max_events = 0;  // 0: no limit
  // The largest gateway message read (after decompression); a larger one is refused unread
  // and the connection closed with 1009 (ConnectOptions::max_message_bytes).
  std::size_t max_message_bytes = gateway::ConnectOptions{}.max_message_bytes;
  double duration_s = 0;  // 0: no limit
  // --durability: kInterval (a commit every 200 ms) or kFull (every frame committed and
  // synced before the gateway goes on: a crash loses nothing that was received or sent).
  store::Durability durability = store::Durability::kInterval;
  // --nats URL[,URL...], --nats-stream, --nats-replicas, --nats-spool-bytes: every frame also
  // published to JetStream (docs/CLI.md); urls empty: no stream.
  std::vector<std::string> nats_urls;
  std::string nats_stream = "GWTAPE";
  int nats_replicas = 1;
  std::size_t nats_spool_bytes = stream::PublisherOptions{}.spool_bytes;
  // --nats-identify [--nats-identify-bucket NAME]: identifies paced fleet-wide through leases
  // in a JetStream key-value bucket (stream::IdentifyLease); the bucket defaults to
  // identify_bucket_for(nats_stream).
  bool nats_identify = false;
  std::string nats_identify_bucket;
};

// Parses the flags of `gwtape record`; the error message says which flag and why.
[[nodiscard]] ArgResult<RecordArgs> parse_record_args(const Args& args);

class RecordSession {
 public:
  RecordSession(RecordArgs args, gateway::Secret token)
      : args_(std::move(args)), token_(std::move(token)) {}
  // Runs until a signal (signals > 0), --max-events, --duration or the gateway's end.
  // Returns the process exit code.
  int run(std::atomic<int>& signals);

 private:
  RecordArgs args_;
  gateway::Secret token_;
};

}  // namespace gwtape::tools
