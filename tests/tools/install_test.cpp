// cmake --install into a scratch prefix, then the library used from there as an outside project
// would: examples/ configured with find_package(gwtape CONFIG), built and run; and a program
// compiled with nothing but `pkg-config --cflags --libs gwtape`.
#include <catch2/catch_test_macros.hpp>
#include <string>
#include <vector>

#include "tools_test_util.h"

namespace gwtape::tools::testing {
namespace {

// Flags an outside build needs to link this build's libraries: the sanitizer runtimes when
// the libraries were built with them (the package does not force them on its users).
std::string extra_flags() {
#ifdef GWTAPE_SANITIZED
  return "-fsanitize=address,undefined";
#else
  return "";
#endif
}

std::string installed(const TempDir& dir) {
  const std::string prefix = dir.file("prefix");
  auto install =
      run_program(GWTAPE_CMAKE_COMMAND, {"--install", GWTAPE_BINARY_DIR, "--prefix", prefix});
  INFO(install.out << install.err);
  REQUIRE(install.exit_code == 0);
  return prefix;
}

TEST_CASE("install: the package holds the program, libraries, headers and package files") {
  TempDir dir;
  const std::string prefix = installed(dir);
  for (const char* f : {"bin/gwtape",
                        "lib/libgwtape_model.a",
                        "lib/libgwtape_gateway.a",
                        "lib/libgwtape_state.a",
                        "lib/libgwtape_store.a",
                        "lib/libgwtape_server.a",
                        "lib/libgwtape_recorder.a",
                        "lib/libgwtape_replay.a",
                        "lib/libgwtape_cassette.a",
                        "lib/gwtape/gwtape.so",
                        "include/gwtape/common/result.h",
                        "include/gwtape/gateway/events.h",
                        "include/gwtape/gateway/gateway.h",
                        "include/gwtape/gateway/state/cache.h",
                        "include/gwtape/store/log_reader.h",
                        "include/gwtape/replay/replayer.h",
                        "lib/cmake/gwtape/gwtapeConfig.cmake",
                        "lib/cmake/gwtape/gwtapeConfigVersion.cmake",
                        "lib/cmake/gwtape/gwtapeTargets.cmake",
                        "lib/pkgconfig/gwtape.pc",
                        "share/gwtape/demo-300.jsonl.zst"}) {
    INFO(f);
    CHECK(file_exists(prefix + "/" + f));
  }
  // The traffic generator serves this tree's tests only.
  CHECK_FALSE(file_exists(prefix + "/include/gwtape/fixtures/generator.h"));
  // The installed program runs from there.
  auto version = run_program(prefix + "/bin/gwtape", {"--help"});
  CHECK(version.exit_code == 0);
}

TEST_CASE("install: examples/ builds against the installed package and its tests pass") {
  TempDir dir;
  const std::string prefix = installed(dir);
  const std::string build = dir.file("examples");
  auto configure = run_program(
      GWTAPE_CMAKE_COMMAND,
      {"-S", std::string(GWTAPE_SOURCE_DIR) + "/examples", "-B", build,
       "-DCMAKE_PREFIX_PATH=" + prefix, "-DCMAKE_BUILD_TYPE=Release",
       "-DCMAKE_CXX_COMPILER=" GWTAPE_CXX_COMPILER, "-DCMAKE_CXX_FLAGS=" + extra_flags()});
  INFO(configure.out << configure.err);
  REQUIRE(configure.exit_code == 0);
  // Nothing of the source tree's include/ is on the example's include path: the headers are
  // the installed ones.
  const std::string cache = read_file(build + "/CMakeCache.txt");
  CHECK(cache.find("gwtape_DIR:PATH=" + prefix + "/lib/cmake/gwtape") != std::string::npos);
  auto compile = run_program(GWTAPE_CMAKE_COMMAND, {"--build", build, "-j2"});
  INFO(compile.out << compile.err);
  REQUIRE(compile.exit_code == 0);
  const std::string commands = read_file(build + "/CMakeFiles/example_replay_bot.dir/flags.make");
  CHECK(commands.find(prefix + "/include") != std::string::npos);
  CHECK(commands.find(std::string(GWTAPE_SOURCE_DIR) + "/include") == std::string::npos);

  auto tests = run_program("/bin/sh", {"-c", "cd '" + build + "' && ctest --output-on-failure"});
  INFO(tests.out << tests.err);
  CHECK(tests.exit_code == 0);
  CHECK(tests.out.find("100% tests passed, 0 tests failed out of 3") != std::string::npos);
}

TEST_CASE("install: a program builds with pkg-config alone and runs") {
  TempDir dir;
  const std::string prefix = installed(dir);
  const std::string source = dir.file("main.cpp");
  write_file(source, R"(#include <cstdio>

#include "gwtape/gateway/json.h"
#include "gwtape/gateway/state/cache.h"

int main() {
  gwtape::gateway::User user;
  user.id = gwtape::gateway::Snowflake{42};
  user.username = "pkg-config";
  gwtape::gateway::state::Cache cache;
  std::printf("%s %zu\n", gwtape::gateway::to_json(user).c_str(), cache.digest_hex().size());
}
)");
  const std::string program = dir.file("main");
  const std::string command = "export PKG_CONFIG_PATH='" + prefix + "/lib/pkgconfig'; " +
                              GWTAPE_CXX_COMPILER + " " + extra_flags() + " '" + source + "' -o '" +
                              program + "' $(pkg-config --cflags --libs gwtape)";
  auto compile = run_program("/bin/sh", {"-c", command});
  INFO(command << "\n" << compile.out << compile.err);
  REQUIRE(compile.exit_code == 0);
  auto run = run_program(program, {});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(run.out.find(R"("id":"42","username":"pkg-config")") != std::string::npos);
  CHECK(run.out.find(" 64\n") != std::string::npos);  // a SHA-256 in hex
}

}  // namespace
}  // namespace gwtape::tools::testing
