// gwtape record — a live gateway session, every frame both ways, into a log.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cli.h"
#include "gwtape/gateway/gateway.h"
#include "gwtape/gateway/http.h"
#include "gwtape/recorder/recorder.h"
#include "gwtape/store/log_writer.h"
#include "record_session.h"

namespace gwtape::tools {
namespace {

constexpr std::string_view kRecordUsage =
    "usage: gwtape record [--out LOG] [--gateway URL] [--intents N]\n"
    "                     [--compress none|zlib-stream|zstd-stream]\n"
    "                     [--shard I/N | --shard I-J/N | --shards N]\n"
    "                     [--redact RULE]... [--ca-file F] [--max-events N] [--duration S]\n"
    "                     [--api URL] [--durability interval|full] [--max-message-bytes N]\n"
    "                     [--nats URL[,URL...] [--nats-stream NAME] [--nats-replicas N]\n"
    "                      [--nats-spool-bytes N] [--nats-identify [--nats-identify-bucket B]]]\n"
    "\n"
    "Connects to the Discord gateway (API v10) and writes every frame, received and sent,\n"
    "into LOG (created if absent; an existing log gets a new recording). The token comes\n"
    "from the environment variable DISCORD_TOKEN and is never written: it is replaced in\n"
    "identify and resume frames before they reach the log, and wiped from the process's\n"
    "environment once read.\n"
    "\n"
    "  --out LOG          the log file (required unless --nats is given)\n"
    "  --gateway URL      connect there directly (ws:// or wss://); without it the URL and\n"
    "                     the shard count come from GET /gateway/bot\n"
    "  --intents N        gateway intents (default 513: GUILDS | GUILD_MESSAGES)\n"
    "  --compress C       transport compression (default zstd-stream)\n"
    "  --shard I/N        run shard I of N; I-J/N runs shards I to J of N (so processes\n"
    "                     can split a bot's shards: 0-1/4 in one, 2-3/4 in another)\n"
    "  --shards N         run N shards in this process (default: /gateway/bot's count)\n"
    "  --redact RULE      EVENT:$.path, e.g. MESSAGE_CREATE:$.d.content (repeatable)\n"
    "  --ca-file F        PEM file of CAs to verify the gateway's certificate with\n"
    "  --max-events N     stop after N dispatches (N >= 1)\n"
    "  --duration S       stop after S seconds\n"
    "  --api URL          REST base for /gateway/bot (default https://discord.com/api/v10)\n"
    "  --durability D     interval (default): a synced commit every 200 ms; full: every\n"
    "                     frame committed and synced before the next is received or sent\n"
    "  --max-message-bytes N  the largest gateway message read, decompressed (default\n"
    "                     536870912); a larger one is refused unread, the connection closed\n"
    "                     with 1009 and resumed, and the session given up if it comes again\n"
    "  --nats URLS        also publish every frame (the same bytes as the log) and connection\n"
    "                     end to NATS JetStream, nats://HOST:PORT[,...]; a frame is recorded\n"
    "                     once JetStream acknowledged it; while it does not, frames wait in a\n"
    "                     local spool and are published in order when it answers again\n"
    "  --nats-stream NAME the stream (default GWTAPE; created if missing, subjects NAME.>)\n"
    "  --nats-replicas N  replicas of a stream created here (1-5, default 1)\n"
    "  --nats-spool-bytes N  the spool's bound in memory (default 268435456); beyond it\n"
    "                     frames are read back from the --out log when their turn comes;\n"
    "                     without --out a frame beyond it stops the recording with an error,\n"
    "                     never dropped silently\n"
    "  --nats-identify    share Discord's identify buckets (shard_id % max_concurrency, one\n"
    "                     identify per bucket per 5 s) with every process given the same\n"
    "                     NATS and bucket: a shard identifies once it took its bucket's lease\n"
    "                     in a JetStream key-value bucket; while NATS does not answer, no\n"
    "                     identify goes\n"
    "  --nats-identify-bucket B  that key-value bucket (default NAME_IDENTIFY, NAME the\n"
    "                     --nats-stream; created if missing, TTL 5.25 s, history 1)\n"
    "\n"
    "SIGINT or SIGTERM stops cleanly (close 1000, flush): exit 0; a second one exits at\n"
    "once, leaving a valid log. Exit 3 when the gateway ends the session for good (4004,\n"
    "4010-4014), with the code and its meaning; 2 for usage errors. When the log stops\n"
    "taking frames (disk full, I/O error) the recording stops at once (close 1000): exit 1;\n"
    "4 when LOG is not a sound gwtape log of this version.\n";

std::atomic<int> g_signals{0};

// Reads DISCORD_TOKEN and wipes it from the process. unsetenv alone only drops environ's
// pointer: the bytes stay in the initial environment block, which is what /proc/PID/environ
// shows (and a core dump holds), so every DISCORD_TOKEN= entry's value is overwritten first.
// The token goes straight into a Secret (out of core dumps), never into a std::string.
gateway::Secret take_token() {
  constexpr std::string_view kName = "DISCORD_TOKEN=";
  gateway::Secret token;
  bool found = false;
  for (char** entry = environ; entry && *entry; ++entry) {
    if (std::string_view(*entry).substr(0, kName.size()) != kName) continue;
    char* value = *entry + kName.size();
    if (!found) token = value;  // getenv's answer: the first entry
    found = true;
    std::memset(value, 0, std::strlen(value));
  }
  ::unsetenv("DISCORD_TOKEN");
  return token;
}

void on_signal(int) {
  if (g_signals.fetch_add(1) >= 1) {
    // The second one: at once. Committed frames are safe in the WAL; the log stays valid.
    static const char kMsg[] = "\ngwtape record: stopped at once\n";
    [[maybe_unused]] auto n = ::write(2, kMsg, sizeof kMsg - 1);
    ::_exit(130);
  }
}

int run(const Args& args) {
  if (wants_help(kRecordCommand, args)) return kOk;
  auto parsed = parse_record_args(args);
  if (!parsed.ok()) return usage_error(kRecordCommand, parsed.error().message);
  RecordArgs a = std::move(*parsed);
  gateway::Secret token = take_token();
  if (token.empty()) {
    return usage_error(kRecordCommand,
                       "DISCORD_TOKEN is not set: export your bot token in that variable "
                       "(it is never read from the command line)");
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  RecordSession session(std::move(a), std::move(token));
  const int code = session.run(g_signals);
  return code;
}

}  // namespace

const Command kRecordCommand{"record", "record a live gateway session into a log", kRecordUsage,
                             &run};

}  // namespace gwtape::tools
