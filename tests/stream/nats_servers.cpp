#include "stream/nats_servers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <fstream>
#include <sstream>
#include <thread>

namespace gwtape::testing {
namespace {

std::string find_binary() {
  for (const char* p :
       {"/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  return "";
}

bool accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  ::close(fd);
  return ntohs(a.sin_port);
}

NatsServer::NatsServer(std::string name, std::filesystem::path dir, int port, int cluster_port,
                       std::vector<int> routes)
    : name_(std::move(name)),
      dir_(std::move(dir)),
      port_(port),
      cluster_port_(cluster_port),
      routes_(std::move(routes)) {
  std::filesystem::create_directories(dir_ / name_);
}

NatsServer::~NatsServer() {
  if (pid_ > 0) kill(SIGKILL);
}

std::string NatsServer::log() const {
  std::ifstream in(dir_ / (name_ + ".log"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void NatsServer::start() {
  const std::string binary = find_binary();
  INFO(
      "nats-server is not installed (looked in /usr/sbin, /usr/bin, /usr/local/bin): run "
      "scripts/setup, which installs Debian's nats-server");
  REQUIRE(!binary.empty());
  std::vector<std::string> args = {binary,
                                   "-a",
                                   "127.0.0.1",
                                   "-p",
                                   std::to_string(port_),
                                   "-n",
                                   name_,
                                   "-js",
                                   "-sd",
                                   (dir_ / name_).string(),
                                   "-l",
                                   (dir_ / (name_ + ".log")).string()};
  if (cluster_port_ > 0) {
    std::string routes;
    for (int r : routes_) {
      if (r == cluster_port_) continue;
      if (!routes.empty()) routes.push_back(',');
      routes.append("nats://127.0.0.1:").append(std::to_string(r));
    }
    for (std::string a :
         {std::string("--cluster_name"), std::string("gwtape-test"), std::string("--cluster"),
          "nats://127.0.0.1:" + std::to_string(cluster_port_), std::string("--routes"), routes}) {
      args.push_back(std::move(a));
    }
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_ = ::fork();
  REQUIRE(pid_ >= 0);
  if (pid_ == 0) {
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!accepts(port_)) {
    int status = 0;
    INFO(name_ << " did not start: " << log());
    REQUIRE(::waitpid(pid_, &status, WNOHANG) == 0);
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void NatsServer::kill(int sig) {
  if (pid_ <= 0) return;
  ::kill(pid_, sig);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

void NatsServer::freeze(bool frozen) {
  if (pid_ > 0) ::kill(pid_, frozen ? SIGSTOP : SIGCONT);
}

NatsCluster::NatsCluster(std::filesystem::path dir, int n) {
  std::vector<int> ports, cluster_ports;
  for (int i = 0; i < n; ++i) {
    ports.push_back(free_port());
    cluster_ports.push_back(n > 1 ? free_port() : 0);
  }
  for (int i = 0; i < n; ++i) {
    nodes_.push_back(std::make_unique<NatsServer>(
        std::string(1, 'n').append(std::to_string(i)), dir, ports[static_cast<std::size_t>(i)],
        cluster_ports[static_cast<std::size_t>(i)], n > 1 ? cluster_ports : std::vector<int>{}));
  }
  for (auto& node : nodes_) node->start();
}

std::string NatsCluster::urls(std::vector<int> which) const {
  if (which.empty()) {
    for (int i = 0; i < size(); ++i) which.push_back(i);
  }
  std::string out;
  for (int i : which) {
    if (!out.empty()) out.push_back(',');
    out.append(nodes_[static_cast<std::size_t>(i)]->url());
  }
  return out;
}

}  // namespace gwtape::testing
