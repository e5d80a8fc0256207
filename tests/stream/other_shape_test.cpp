// A stream of another shape (its subjects are not NAME.>): record refuses to publish into it
// and import refuses to read it, both with a message that says so.
#include <nats/nats.h>
#include <signal.h>

#include <catch2/catch_test_macros.hpp>

#include "recorder/record_child.h"
#include "stream/nats_servers.h"
#include "stream/stream_test_util.h"

using namespace gwtape;
using namespace gwtape::testing;
using namespace std::chrono_literals;

namespace {

// Creates stream `name` taking `subject` on the server at `url`, with libnats directly.
void make_stream(const std::string& url, const char* name, const char* subject) {
  natsConnection* nc = nullptr;
  REQUIRE(natsConnection_ConnectTo(&nc, url.c_str()) == NATS_OK);
  jsCtx* js = nullptr;
  REQUIRE(natsConnection_JetStream(&js, nc, nullptr) == NATS_OK);
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  const char* subjects[] = {subject};
  cfg.Name = name;
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  jsStreamInfo* si = nullptr;
  jsErrCode jerr{};
  const natsStatus s = js_AddStream(&si, js, &cfg, nullptr, &jerr);
  if (si) jsStreamInfo_Destroy(si);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  REQUIRE(s == NATS_OK);
}

}  // namespace

TEST_CASE("record and import refuse a stream of another shape", "[stream][cli]") {
  const auto dir = fresh_dir("nats-other-shape");
  NatsCluster nats(dir / "nats", 1);
  make_stream(nats.urls(), "ODD", "elsewhere.>");
  auto srv = start_gateway();
  Child rec({"record", "--gateway", srv->url(), "--nats", nats.urls(), "--nats-stream", "ODD"},
            kStreamToken, dir);
  const int code = rec.wait(40s);
  INFO(rec.err());
  CHECK(code == 1);
  CHECK(rec.err().find("stream ODD exists but does not take the subjects ODD.>") !=
        std::string::npos);
  std::string err;
  CHECK(
      run_gwtape({"import", nats.urls(), "--stream", "ODD", "--out", (dir / "odd.gwtape").string()},
                 dir, "import", nullptr, &err) == 1);
  CHECK(err.find("it is not a stream gwtape record writes") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "odd.gwtape"));
}
