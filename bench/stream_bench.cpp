// stream_bench: the generator's frames published to NATS JetStream with acknowledgement (a
// single nats-server started here, on a free loopback port, storage in a temp dir; then an R3
// stream on a 3-node cluster started the same way), beside the
// same frames appended to a local log (LogWriter) in the same run; the cost of the recorder's
// event path (one append) into each; and the import side (an ordered read and decode of the
// stream). Usage: stream_bench [FRAMES] [R3_FRAMES] (default 20000; R3_FRAMES, default FRAMES:
// the first that many frames go to the R3 stream, for a quick run).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "gwtape/fixtures/generator.h"
#include "gwtape/store/log_writer.h"
#include "gwtape/stream/jetstream.h"
#include "gwtape/stream/publisher.h"

using namespace gwtape;
using bench::Clock;
using bench::seconds_since;

namespace {

constexpr const char* kBench = "stream_bench";

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

double median_ns(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// A nats-server with JetStream on `port`, storage and log under dir/name; with cluster ports,
// one node of a cluster routed to the others.
pid_t start_nats(const std::filesystem::path& dir, const std::string& name, int port,
                 int cluster_port = 0, const std::vector<int>& cluster_ports = {}) {
  std::vector<std::string> args = {"nats-server",
                                   "-a",
                                   "127.0.0.1",
                                   "-p",
                                   std::to_string(port),
                                   "-n",
                                   name,
                                   "-js",
                                   "-sd",
                                   (dir / name).string(),
                                   "-l",
                                   (dir / (name + ".log")).string()};
  if (cluster_port > 0) {
    std::string routes;
    for (int r : cluster_ports) {
      if (r == cluster_port) continue;
      routes += (routes.empty() ? "" : ",") + std::string("nats://127.0.0.1:") + std::to_string(r);
    }
    for (std::string a :
         {std::string("--cluster_name"), std::string("bench"), std::string("--cluster"),
          "nats://127.0.0.1:" + std::to_string(cluster_port), std::string("--routes"), routes}) {
      args.push_back(std::move(a));
    }
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execv("/usr/sbin/nats-server", argv.data());
    ::_exit(127);
  }
  return pid;
}

// The frames published with acknowledgement through a Publisher (what `record --nats` does),
// to stream `name` with `replicas` replicas.
struct PublishRun {
  double seconds = 0;
  double append_ns = 0;  // the recorder's event path: the message built and queued, median
  std::string error;
};

PublishRun publish(const std::vector<std::string>& urls, const std::string& name, int replicas,
                   const std::vector<store::Frame>& frames) {
  PublishRun run;
  stream::PublisherOptions po;
  po.jetstream.urls = urls;
  po.jetstream.stream = name;
  po.jetstream.replicas = replicas;
  auto pub = stream::Publisher::start(po);
  if (!pub.ok()) return {0, 0, pub.error().message};
  stream::RecordingKey key{name, "1", "0", 1};
  // Warm-up: the stream created (a cluster elects its leaders first), the connection up.
  (void)(*pub)->append(stream::encode_begin(key, {}));
  if (auto st = (*pub)->flush(std::chrono::seconds(60)); !st.ok()) {
    return {0, 0, st.error().message};
  }
  std::vector<double> lat;
  const auto t0 = Clock::now();
  std::uint64_t seq = 0;
  for (const auto& f : frames) {
    // What the recorder's path adds for --nats: the message built (headers, a copy of the
    // text) and queued.
    const auto a = Clock::now();
    (void)(*pub)->append(stream::encode_frame(key, ++seq, f));
    lat.push_back(std::chrono::duration<double, std::nano>(Clock::now() - a).count());
  }
  const auto st = (*pub)->flush(std::chrono::seconds(600));
  run.seconds = seconds_since(t0);
  run.append_ns = median_ns(lat);
  (void)(*pub)->close(std::chrono::seconds(5));
  if (!st.ok()) run.error = st.error().message;
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 20000;
  const std::size_t n3 =
      std::min<std::size_t>(n, argc > 2 ? std::strtoull(argv[2], nullptr, 10) : n);
  auto gen = fixtures::Generator::create({});
  if (!gen.ok()) return bench::fail(kBench, gen.error().message);
  std::vector<store::Frame> frames;
  std::uint64_t bytes = 0;
  for (std::size_t i = 0; i < n; ++i) {
    auto f = gen->next();
    store::Frame s;
    s.conn = 1;
    s.ts_ns = static_cast<std::int64_t>(1'765'000'000'000'000'000 + i);
    s.direction = f.direction;
    s.text = f.text;
    bytes += s.text.size();
    frames.push_back(std::move(s));
  }
  const auto dir = std::filesystem::temp_directory_path() /
                   ("gwtape-stream-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "js");

  // The local log: append every frame, then flush (committed and synced).
  double log_s = 0, log_append_ns = 0;
  {
    auto w = store::LogWriter::open((dir / "b.gwtape").string());
    if (!w.ok()) return bench::fail(kBench, w.error().message);
    auto rec = (*w)->begin_recording({});
    std::vector<double> lat;
    const auto t0 = Clock::now();
    for (const auto& frame : frames) {
      // The recorder's path for the log: a copy of the frame, queued.
      const auto a = Clock::now();
      store::Frame f = frame;
      f.recording_id = *rec;
      (void)(*w)->append(std::move(f));
      lat.push_back(std::chrono::duration<double, std::nano>(Clock::now() - a).count());
    }
    (void)(*w)->flush();
    log_s = seconds_since(t0);
    log_append_ns = median_ns(lat);
    (void)(*w)->close();
  }

  const int port = free_port();
  const pid_t pid = start_nats(dir, "js", port);
  const std::string url = "nats://127.0.0.1:" + std::to_string(port);
  const PublishRun one = publish({url}, "BENCH", 1, frames);
  if (!one.error.empty()) {
    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
    return bench::fail(kBench, "1 node: " + one.error);
  }
  const double js_s = one.seconds, js_append_ns = one.append_ns;

  // The import side: the ordered reader and decode of every message.
  double read_s = 0;
  std::uint64_t read = 0;
  {
    stream::JetStreamOptions jo;
    jo.urls = {url};
    jo.stream = "BENCH";
    auto js = stream::JetStream::connect(jo);
    if (js.ok()) {
      const auto r0 = Clock::now();
      auto reader = (*js)->read("BENCH.>", 0);
      if (reader.ok()) {
        for (std::uint64_t i = 0; i < (*reader)->total(); ++i) {
          auto m = (*reader)->next(std::chrono::seconds(10));
          if (!m.ok()) break;
          if (stream::decode(m->subject, m->headers, m->data).ok()) ++read;
        }
      }
      read_s = seconds_since(r0);
    }
  }
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);

  // An R3 stream on a 3-node cluster on loopback: each acknowledgement waits for a quorum.
  std::vector<int> ports, cluster_ports;
  for (int i = 0; i < 3; ++i) {
    ports.push_back(free_port());
    cluster_ports.push_back(free_port());
  }
  std::vector<pid_t> nodes;
  std::vector<std::string> urls;
  for (int i = 0; i < 3; ++i) {
    nodes.push_back(
        start_nats(dir, "r3n" + std::to_string(i), ports[i], cluster_ports[i], cluster_ports));
    urls.push_back("nats://127.0.0.1:" + std::to_string(ports[i]));
  }
  const std::vector<store::Frame> r3_frames(frames.begin(),
                                            frames.begin() + static_cast<std::ptrdiff_t>(n3));
  const PublishRun r3 = publish(urls, "BENCH3", 3, r3_frames);
  for (pid_t p : nodes) ::kill(p, SIGTERM);
  for (pid_t p : nodes) ::waitpid(p, nullptr, 0);
  std::filesystem::remove_all(dir);
  if (!r3.error.empty()) return bench::fail(kBench, "R3: " + r3.error);

  std::printf("%zu frames, %.1f MB of text\n", n, static_cast<double>(bytes) / 1e6);
  std::printf(
      "| path | frames/s | MB/s | event-path append, median |\n| --- | --- | --- | --- |\n");
  std::printf("| local log (LogWriter, interval durability) | %.0f | %.1f | %.0f ns |\n",
              static_cast<double>(n) / log_s, static_cast<double>(bytes) / 1e6 / log_s,
              log_append_ns);
  std::printf("| JetStream, 1 node, each acknowledged | %.0f | %.1f | %.0f ns |\n",
              static_cast<double>(n) / js_s, static_cast<double>(bytes) / 1e6 / js_s, js_append_ns);
  std::printf("| JetStream, R3 on 3 nodes, each acknowledged (%zu frames) | %.0f | | %.0f ns |\n",
              n3, static_cast<double>(n3) / r3.seconds, r3.append_ns);
  std::printf("| import read + decode (ordered consumer) | %.0f | %.1f | |\n",
              static_cast<double>(read) / read_s, static_cast<double>(bytes) / 1e6 / read_s);
  const double r3_rate = static_cast<double>(n3) / r3.seconds;
  std::printf("JetStream / log throughput: %.3f (1 node), %.3f (R3)\n", log_s / js_s,
              r3_rate * log_s / static_cast<double>(n));
  const double log_rate = static_cast<double>(n) / log_s;
  bench::report({.bench = "stream",
                 .frames = n,
                 .figure = "JetStream publish, acknowledged",
                 .value = static_cast<double>(n) / js_s,
                 .unit = "frames/s",
                 .ceiling = "local log (LogWriter)",
                 .ceiling_value = log_rate});
  bench::report({.bench = "stream",
                 .frames = n,
                 .figure = "JetStream R3 publish, acknowledged",
                 .value = r3_rate,
                 .unit = "frames/s",
                 .ceiling = "local log (LogWriter)",
                 .ceiling_value = log_rate});
  bench::report({.bench = "stream",
                 .frames = n,
                 .figure = "import read + decode",
                 .value = static_cast<double>(read) / read_s,
                 .unit = "frames/s"});  // no peer measured for the import
  return 0;
}
