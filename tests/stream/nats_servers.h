// Real nats-server processes for the stream tests: one node, or a JetStream cluster, on free
// loopback ports, with their storage in the test's directory. A missing nats-server fails the
// test with a message (scripts/setup installs it): never a skip.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace gwtape::testing {

// A TCP port nothing listens on now (bound to 127.0.0.1:0 and released).
int free_port();

class NatsServer {
 public:
  // `routes`: the cluster ports of every node (this one's included); empty: a single node.
  NatsServer(std::string name, std::filesystem::path dir, int port, int cluster_port = 0,
             std::vector<int> routes = {});
  ~NatsServer();  // SIGKILL if still running
  NatsServer(const NatsServer&) = delete;
  NatsServer& operator=(const NatsServer&) = delete;

  void start();        // REQUIREs the binary; returns once the client port accepts
  void kill(int sig);  // and reaps it (SIGTERM: a clean stop, SIGKILL: a crash)
  // SIGSTOP / SIGCONT: connections stay open, nothing is answered meanwhile.
  void freeze(bool frozen);
  bool running() const { return pid_ > 0; }
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  std::string log() const;  // its log file, for failure messages

 private:
  std::string name_;
  std::filesystem::path dir_;
  int port_, cluster_port_;
  std::vector<int> routes_;
  pid_t pid_ = -1;
};

// n nodes clustered on loopback (n = 1: a plain JetStream server).
class NatsCluster {
 public:
  NatsCluster(std::filesystem::path dir, int n);
  NatsServer& node(int i) { return *nodes_[static_cast<std::size_t>(i)]; }
  int size() const { return static_cast<int>(nodes_.size()); }
  // "nats://127.0.0.1:P1,nats://127.0.0.1:P2,..." of the nodes listed (all by default).
  std::string urls(std::vector<int> which = {}) const;

 private:
  std::vector<std::unique_ptr<NatsServer>> nodes_;
};

}  // namespace gwtape::testing
