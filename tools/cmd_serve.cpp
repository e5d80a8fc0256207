// gwtape serve — a recorded session as a live gateway on loopback, for any client.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "cli.h"
#include "gwtape/replay/log_server.h"
#include "tool_args.h"

namespace gwtape::tools {
namespace {

constexpr std::string_view kServeUsage =
    "usage: gwtape serve LOG --listen HOST:PORT [--recording ID] [--speed realtime|N|max]\n"
    "                        [--fault KIND@SEQ]... [--token T] [--loop]\n"
    "                        [--tls-cert F --tls-key F] [--heartbeat-interval MS]\n"
    "\n"
    "Serves a recording as a live Discord gateway (API v10) and its REST stub on one port.\n"
    "Each client that identifies gets HELLO, the recording's READY (session_id and\n"
    "resume_gateway_url rewritten to this server), then the recorded dispatches in order,\n"
    "each client at its own position; heartbeats, resume, zlib-stream and zstd-stream work\n"
    "as on Discord. REST: GET /api/v10/gateway, /gateway/bot, /users/@me,\n"
    "/oauth2/applications/@me. Stops on SIGINT or SIGTERM.\n"
    "\n"
    "  --listen HOST:PORT    IPv4 address and port (127.0.0.1:0: any free port; PORT alone:\n"
    "                        127.0.0.1); the URL served is printed on stdout\n"
    "  --recording ID        which recording (default: the first)\n"
    "  --speed S             realtime, a factor (2 = twice as fast), or max (default)\n"
    "  --fault KIND@SEQ      just before dispatch SEQ of each client's session (READY is 1):\n"
    "                        reconnect, invalid, invalid-resumable, close:CODE, drop, zombie,\n"
    "                        heartbeat (a server op 1)\n"
    "  --token T             the token clients must identify with (default: any)\n"
    "  --loop                start the recording over at its end\n"
    "  --tls-cert F, --tls-key F   serve wss:// with this PEM certificate and key\n"
    "  --heartbeat-interval MS     HELLO's interval (default 41250)\n"
    "\n"
    "Exit 0 on a signal; 2 usage (also an unknown recording, a port in use); 4 a bad log.\n";

std::atomic<int> g_stop{0};
void on_signal(int) { g_stop.fetch_add(1); }

int run(const Args& args) {
  if (wants_help(kServeCommand, args)) return kOk;
  int code = kOk;
  auto flags = parse_flags(kServeCommand, args,
                           {{"--listen", true, false},
                            {"--recording", true, false},
                            {"--speed", true, false},
                            {"--fault", true, true},
                            {"--token", true, false},
                            {"--loop", false, false},
                            {"--tls-cert", true, false},
                            {"--tls-key", true, false},
                            {"--heartbeat-interval", true, false}},
                           code);
  if (!flags) return code;
  if (flags->positional.empty()) return usage_error(kServeCommand, "LOG is required");
  if (flags->positional.size() > 1) return usage_error(kServeCommand, "one LOG only");
  replay::ServeOptions o;
  o.log_path = std::string(flags->positional[0]);
  if (!flags->has("--listen")) return usage_error(kServeCommand, "--listen HOST:PORT is required");
  // HOST:PORT, or :PORT / PORT alone for 127.0.0.1: never more than loopback unless told.
  const std::string_view listen = flags->get("--listen");
  const auto colon = listen.rfind(':');
  o.host = colon == std::string_view::npos || colon == 0 ? std::string("127.0.0.1")
                                                         : std::string(listen.substr(0, colon));
  if (o.host == "localhost") o.host = "127.0.0.1";
  const std::string_view port_text =
      colon == std::string_view::npos ? listen : listen.substr(colon + 1);
  const auto port = parse_int_flag<int>("--listen's PORT", port_text, 0, 65535);
  if (!port) return usage_error(kServeCommand, port.error().message);
  o.port = static_cast<std::uint16_t>(*port);
  if (flags->has("--recording")) {
    const auto id =
        parse_int_flag<std::int64_t>("--recording", flags->get("--recording"), 1, INT64_MAX);
    if (!id) return usage_error(kServeCommand, id.error().message);
    o.recording_id = *id;
  }
  if (const std::string v(flags->get("--speed", "max")); v == "realtime") {
    o.speed = 1;
  } else if (v != "max") {
    auto factor = parse_positive_flag("--speed", v, "realtime, max or a finite factor > 0");
    if (!factor) return usage_error(kServeCommand, factor.error().message);
    o.speed = *factor;
  }
  if (flags->has("--fault")) {
    for (std::string_view spec : flags->values.at("--fault")) {
      auto f = replay::parse_serve_fault(spec);
      if (!f.ok()) return usage_error(kServeCommand, f.error().message);
      o.faults.push_back(*f);
    }
  }
  if (flags->has("--token")) {
    o.token = std::string(flags->get("--token"));
    if (o.token.empty()) return usage_error(kServeCommand, "--token must not be empty");
  }
  o.loop = flags->has("--loop");
  o.cert_file = std::string(flags->get("--tls-cert"));
  o.key_file = std::string(flags->get("--tls-key"));
  if (o.cert_file.empty() != o.key_file.empty()) {
    return usage_error(kServeCommand, "--tls-cert and --tls-key go together");
  }
  if (flags->has("--heartbeat-interval")) {
    const auto ms =
        parse_int_flag<int>("--heartbeat-interval", flags->get("--heartbeat-interval"), 1, 600'000);
    if (!ms) return usage_error(kServeCommand, ms.error().message);
    o.heartbeat_interval = std::chrono::milliseconds(*ms);
  }

  auto server = replay::LogServer::start(std::move(o));
  if (!server.ok()) {
    const auto c = server.error().code;
    const int exit_code = c == replay::Errc::kLog || c == replay::Errc::kCorrupt ? kBadLog
                          : c == replay::Errc::kIo                               ? kFailure
                                                                                 : kUsage;
    return report(kServeCommand, exit_code, server.error().message);
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::printf("%s\n", (*server)->url().c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "gwtape serve: recording %lld of %s on %s (REST: %s/api/v10)\n",
               static_cast<long long>((*server)->recording_id()),
               std::string(flags->positional[0]).c_str(), (*server)->url().c_str(),
               ((*server)->url().starts_with("wss") ? "https" + (*server)->url().substr(3)
                                                    : "http" + (*server)->url().substr(2))
                   .c_str());
  while (g_stop.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  (*server)->stop();
  std::fprintf(stderr, "gwtape serve: stopped after %zu client session(s)\n", (*server)->streams());
  return kOk;
}

}  // namespace

const Command kServeCommand{"serve", "serve a recording as a live gateway on loopback", kServeUsage,
                            run};

}  // namespace gwtape::tools
