// Where the token's bytes are in this process's memory: a Secret keeps them in mappings a core
// dump leaves out (MADV_DONTDUMP, "dd" in /proc/self/smaps) and wipes them when it lets go; the
// REST call's Authorization header leaves no copy in freed heap memory behind it (curl runs on
// memory functions that wipe what they free). Each scan reads every writable mapping a core
// dump would hold. The REST server runs in a forked child: its own copies of the token (the
// request it parsed) are in its memory, not in ours.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "gwtape/gateway/http.h"
#include "gwtape/gateway/secret.h"
#include "gwtape/server/loopback_gateway.h"

using namespace gwtape;

namespace {

// The tests' token is "Bot." and this, put together in a Secret: no whole copy is in the
// binary's data, so every copy a scan finds was made at run time.
std::string_view token_tail() {
  static const char kTail[] = "9c1d-secret-memory-tail-0a7e";
  return kTail;
}

struct Region {
  std::uintptr_t begin = 0, end = 0;
  bool writable = false, dontdump = false;
};

std::vector<Region> regions() {
  std::vector<Region> out;
  std::ifstream in("/proc/self/smaps");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmFlags:", 0) == 0) {
      if (!out.empty()) out.back().dontdump = line.find(" dd") != std::string::npos;
      continue;
    }
    // "begin-end perms offset dev inode [path]": a mapping's first line.
    const auto dash = line.find('-');
    const auto space = line.find(' ');
    if (dash == std::string::npos || space == std::string::npos || dash > space) continue;
    if (line.find_first_not_of("0123456789abcdef") != dash) continue;
    Region r;
    r.begin = std::stoull(line.substr(0, dash), nullptr, 16);
    r.end = std::stoull(line.substr(dash + 1, space - dash - 1), nullptr, 16);
    r.writable = line.compare(space + 1, 2, "rw") == 0;
    out.push_back(r);
  }
  return out;
}

// How many times `needle` is in memory a core dump of this process holds (writable mappings
// without MADV_DONTDUMP), and how many in the mappings it leaves out.
struct Found {
  int dumped = 0;
  int excluded = 0;
};
// Reads memory the sanitizer would have an opinion on (redzones, freed blocks): not through
// its memmem, and not instrumented.
__attribute__((no_sanitize("address"))) int count_in(const char* p, std::size_t n,
                                                     std::string_view needle) {
  int found = 0;
  for (std::size_t i = 0; i + needle.size() <= n; ++i) {
    if (p[i] != needle[0]) continue;
    std::size_t k = 1;
    while (k < needle.size() && p[i + k] == needle[k]) ++k;
    found += k == needle.size();
  }
  return found;
}

Found scan(std::string_view needle) {
  Found f;
  for (const Region& r : regions()) {
    // Above 1 GiB: an AddressSanitizer shadow (terabytes, reserved, not this program's data).
    if (!r.writable || r.end - r.begin > (std::uintptr_t{1} << 30)) continue;
    const int n = count_in(reinterpret_cast<const char*>(r.begin), r.end - r.begin, needle);
    (r.dontdump ? f.excluded : f.dumped) += n;
  }
  return f;
}

}  // namespace

TEST_CASE("Secret: its bytes live only where a core dump does not look, and go with it",
          "[gateway][secrets]") {
  // Assembled in place in the Secret: no std::string ever holds the whole.
  gateway::Secret s("Bot.");
  s.append(token_tail());
  {
    const Found f = scan(s.view());
    // The one copy is the Secret's (the needle is that copy).
    CHECK(f.excluded == 1);
    CHECK(f.dumped == 0);
    gateway::Secret copy = s;
    gateway::Secret moved = std::move(copy);
    CHECK(moved == s.view());
    CHECK(copy.empty());
    CHECK(scan(s.view()).excluded == 2);
    CHECK(scan(s.view()).dumped == 0);
  }
  // The copy is gone, and wiped: only the original is left.
  CHECK(scan(s.view()).excluded == 1);
  CHECK(std::string_view(s.c_str()) == s.view());  // NUL-terminated
  const char* unset = nullptr;  // what getenv gives for a variable that is not set
  CHECK(gateway::Secret(unset).empty());
  CHECK(*gateway::Secret(unset).c_str() == '\0');
}

TEST_CASE("gateway_bot: the Authorization header leaves no copy of the token behind",
          "[gateway][secrets]") {
  int to_parent[2], hold[2];
  REQUIRE(pipe(to_parent) == 0);
  REQUIRE(pipe(hold) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    close(to_parent[0]);
    close(hold[1]);
    server::LoopbackOptions o;
    o.any_token = true;
    auto srv = server::LoopbackGateway::start(o);
    if (!srv.ok()) _exit(3);
    const std::string url = (*srv)->url() + "\n";
    if (write(to_parent[1], url.data(), url.size()) != static_cast<ssize_t>(url.size())) _exit(4);
    char c;
    (void)!read(hold[0], &c, 1);  // until the parent is done
    _exit(0);
  }
  close(to_parent[1]);
  close(hold[0]);
  std::string url;
  char c;
  while (read(to_parent[0], &c, 1) == 1 && c != '\n') url += c;
  close(to_parent[0]);
  REQUIRE(url.rfind("ws://", 0) == 0);
  const std::string api = "http" + url.substr(2) + "/api/v10";

  gateway::Secret token("Bot.");
  token.append(token_tail());
  auto info = gateway::gateway_bot(token, api);
  close(hold[1]);
  int status = 0;
  waitpid(child, &status, 0);
  REQUIRE(info.ok());
  CHECK(info->url == url);
  // The token the call was given is the one copy left, and a core dump leaves it out. Without
  // the wiping memory functions, the header curl built the request from is still in the heap.
  const Found f = scan(token.view());
  CHECK(f.dumped == 0);
  CHECK(f.excluded == 1);
}
