// gwtape stats: --json figures against the test's own counts, the text report, and the HTML
// report rendered by headless Chromium (from Debian: scripts/setup installs it).
#include <sys/stat.h>

#include <simdjson.h>
#include <algorithm>
#include <catch2/catch_test_macros.hpp>
#include <map>
#include <set>

#include "tools_test_util.h"

namespace gwtape::tools::testing {
namespace {

struct Expected {
  std::int64_t frames = 0, send = 0, raw = 0, dispatches = 0, conns = 0;
  std::int64_t op7 = 0, op9 = 0, identifies = 0, resumes = 0;
  std::map<std::string, std::int64_t> by_type;
};

std::map<std::int64_t, Expected> expected_of(const WrittenLog& log) {
  std::map<std::int64_t, Expected> out;
  std::map<std::int64_t, std::set<std::uint32_t>> conns;
  for (const auto& f : log.frames) {
    Expected& e = out[f.recording_id];
    const Parsed p = parse_frame(f.text);
    const bool send = f.direction == store::Direction::kSend;
    ++e.frames;
    e.send += send;
    e.raw += static_cast<std::int64_t>(f.text.size());
    conns[f.recording_id].insert(f.conn);
    if (!send && p.op == 0 && !p.t.empty()) {
      ++e.dispatches;
      ++e.by_type[p.t];
    }
    e.op7 += !send && p.op == 7;
    e.op9 += !send && p.op == 9;
    e.identifies += send && p.op == 2;
    e.resumes += send && p.op == 6;
  }
  for (auto& [id, e] : out) e.conns = static_cast<std::int64_t>(conns[id].size());
  return out;
}

struct StatsFixture {
  TempDir dir;
  std::string log = dir.file("stats.gwtape");
  WrittenLog written;
  StatsFixture() {
    LogSpec a;
    a.frames = 5000;
    a.generator.members_per_guild = 100;
    a.generator.events_per_second = 20;
    a.reconnects = {{1000, Reconnect::kOp7Resume},
                    {2000, Reconnect::kOp9Identify},
                    {3000, Reconnect::kDropResume}};
    LogSpec b;
    b.frames = 700;
    b.generator.seed = 4;
    b.generator.unknown_events = false;
    b.end_recording = false;
    written = write_log(log, {a, b});
  }
};

TEST_CASE("tools: stats --json reports the contract's figures and per-recording details") {
  StatsFixture fx;
  auto r = gwtape({"stats", fx.log, "--json"});
  REQUIRE(r.exit_code == 0);
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  REQUIRE(parser.parse(r.out).get(root) == simdjson::SUCCESS);
  struct stat st {};
  REQUIRE(::stat(fx.log.c_str(), &st) == 0);
  CHECK(root["frames"].get_int64().value() == static_cast<std::int64_t>(fx.written.frames.size()));
  CHECK(root["raw_bytes"].get_int64().value() == static_cast<std::int64_t>(fx.written.raw_bytes()));
  const std::int64_t frame_bytes = root["frame_bytes"].get_int64().value();
  CHECK(frame_bytes + root["meta_bytes"].get_int64().value() == st.st_size);
  auto expected = expected_of(fx.written);
  simdjson::dom::array recs = root["recordings"].get_array().value();
  REQUIRE(recs.size() == 2);
  std::int64_t stored_total = 0;
  for (simdjson::dom::object rec : recs) {
    const std::int64_t id = rec["id"].get_int64().value();
    INFO("recording " << id);
    const Expected& e = expected.at(id);
    const auto& info = fx.written.recordings.at(static_cast<std::size_t>(id - 1));
    CHECK(rec["frames"].get_int64().value() == e.frames);
    CHECK(rec["send"].get_int64().value() == e.send);
    CHECK(rec["raw_bytes"].get_int64().value() == e.raw);
    CHECK(rec["dispatches"].get_int64().value() == e.dispatches);
    CHECK(rec["connections"].get_int64().value() == e.conns);
    CHECK(rec["reconnects"].get_int64().value() == e.conns - 1);
    CHECK(rec["reconnect_requests"].get_int64().value() == e.op7);
    CHECK(rec["invalid_sessions"].get_int64().value() == e.op9);
    CHECK(rec["identifies"].get_int64().value() == e.identifies);
    CHECK(rec["resumes"].get_int64().value() == e.resumes);
    const std::int64_t end = info.ended_at_ns ? *info.ended_at_ns : fx.written.frames.back().ts_ns;
    CHECK(rec["duration_ns"].get_int64().value() == end - info.info.started_at_ns);
    std::map<std::string, std::int64_t> by_type;
    for (auto [k, v] : rec["dispatches_by_type"].get_object())
      by_type[std::string(k)] = v.get_int64().value();
    CHECK(by_type == e.by_type);
    const std::int64_t stored = rec["stored_bytes"].get_int64().value();
    CHECK(stored > 0);
    CHECK(stored < e.raw / 2);  // generated traffic compresses well over 2x
    stored_total += stored;
  }
  CHECK(stored_total <= frame_bytes);
  // How the connections ended, as write_log recorded them (op 7: the client closed with 4000
  // to resume; a drop: lost; op 9 false: the client closed with 1000).
  std::map<std::string, std::int64_t> closes[2];
  for (simdjson::dom::object rec : recs) {
    for (auto [k, v] : rec["closes"].get_object())
      closes[rec["id"].get_int64().value() - 1][std::string(k)] = v.get_int64().value();
  }
  CHECK(closes[0] ==
        std::map<std::string, std::int64_t>{{"client 1000", 1}, {"client 4000", 1}, {"lost", 1}});
  CHECK(closes[1].empty());
  CHECK(expected.at(1).op7 == 1);
  CHECK(expected.at(1).op9 == 1);
  CHECK(expected.at(1).resumes == 2);
  CHECK(expected.at(1).conns == 4);
}

TEST_CASE("tools: stats text names duration, reconnects, resumes, bytes and event types") {
  StatsFixture fx;
  auto r = gwtape({"stats", fx.log});
  REQUIRE(r.exit_code == 0);
  const auto e = expected_of(fx.written).at(1);
  CHECK(r.out.find("recording 1") != std::string::npos);
  CHECK(r.out.find("recording 2") != std::string::npos);
  CHECK(r.out.find("connections  4: 3 reconnects; 1 reconnect requests (op 7), 1 invalid sessions "
                   "(op 9)") != std::string::npos);
  CHECK(r.out.find("2 identifies (op 2 sent), 2 resumes (op 6 sent)") != std::string::npos);
  CHECK(r.out.find("  closes       client 1000 x1, client 4000 x1, lost x1\n") !=
        std::string::npos);
  CHECK(r.out.find("  closes       none recorded\n") != std::string::npos);  // recording 2
  CHECK(r.out.find("did not end cleanly") != std::string::npos);
  // "  bytes        3.6 MB raw, 668.0 kB stored (5.32x)": sizes in units, then the ratio.
  const std::size_t bytes = r.out.find("\n  bytes        ");
  REQUIRE(bytes != std::string::npos);
  const std::string line = r.out.substr(bytes + 1, r.out.find('\n', bytes + 1) - bytes - 1);
  CHECK(line.find("B raw, ") != std::string::npos);
  CHECK(line.find("B stored (") != std::string::npos);
  CHECK(line.substr(line.size() - 2) == "x)");
  // "    MESSAGE_CREATE    1234": the count of the test's own tally.
  const std::size_t at = r.out.find("\n    MESSAGE_CREATE ");
  REQUIRE(at != std::string::npos);
  const std::string count_line = r.out.substr(at + 1, r.out.find('\n', at + 1) - at - 1);
  CHECK(std::stoll(count_line.substr(count_line.find_last_of(' ') + 1)) ==
        e.by_type.at("MESSAGE_CREATE"));
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Runs headless Chromium on a local file with everything that could reach the network off.
Run chromium(const std::string& html, const std::string& mode, const TempDir& dir) {
  static int runs = 0;
  const std::string profile = dir.file("chromium-profile-" + std::to_string(++runs));
  REQUIRE(::mkdir(profile.c_str(), 0700) == 0);
  return run_program("/usr/bin/timeout",
                     {"60", "/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                      "--disable-quic", "--no-first-run", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
                      "--window-size=1200,2400", mode, "file://" + html});
}

TEST_CASE("tools: stats --html renders in headless Chromium: one series per event type, totals") {
  if (!file_exists("/usr/bin/chromium"))
    FAIL("chromium is not installed: run scripts/setup (it installs Debian's chromium)");
  StatsFixture fx;
  const std::string html = fx.dir.file("report.html");
  auto r = gwtape({"stats", fx.log, "--html", html});
  REQUIRE(r.exit_code == 0);
  const std::string page = read_file(html);
  // Self-contained: nothing that could be fetched, no script.
  // Nothing to load: no src, href, url() or @import (the SVG namespace is a name, not a load).
  for (const char* load : {"src=", "href=", "url(", "@import", "<iframe", "<object", "<img"})
    CHECK(count(page, load) == 0);
  CHECK(page.find("<script") == std::string::npos);
  CHECK(page.find("<link") == std::string::npos);
  // Each recording's summary says how its connections ended.
  CHECK(page.find("<td data-key=\"closes\">client 1000 x1, client 4000 x1, lost x1</td>") !=
        std::string::npos);
  CHECK(page.find("<td data-key=\"closes\">none recorded</td>") != std::string::npos);

  // The test's own probe, appended to a copy: after layout, it measures every series path and
  // writes what it found into the DOM, which --dump-dom then prints.
  const std::string probe = R"(<script>
const out = [];
for (const svg of document.querySelectorAll('svg.chart')) {
  const box = svg.getBoundingClientRect();
  for (const p of svg.querySelectorAll('path.series')) {
    const b = p.getBBox();
    out.push(['series', svg.dataset.recording, p.dataset.event, p.dataset.total,
              p.getTotalLength() > 100 ? 'drawn' : 'empty',
              b.width > 0.5 * box.width ? 'wide' : 'narrow',
              getComputedStyle(p).stroke !== 'none' ? 'stroked' : 'bare'].join('|'));
  }
}
for (const td of document.querySelectorAll('#totals td')) out.push(['total', td.dataset.key, td.textContent].join('|'));
const pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = '\n' + out.join('\n') + '\n';
document.body.appendChild(pre);
</script>)";
  std::string probed = page;
  probed.insert(probed.rfind("</body>"), probe);
  write_file(fx.dir.file("probed.html"), probed);
  auto dom = chromium(fx.dir.file("probed.html"), "--dump-dom", fx.dir);
  INFO(dom.err.substr(0, 2000));
  REQUIRE(dom.exit_code == 0);
  REQUIRE(dom.out.find("<pre id=\"probe\">") != std::string::npos);

  auto expected = expected_of(fx.written);
  for (const auto& [id, e] : expected) {
    INFO("recording " << id);
    std::vector<std::pair<std::int64_t, std::string>> types;
    for (const auto& [name, n] : e.by_type) types.emplace_back(-n, name);
    std::sort(types.begin(), types.end());
    const std::size_t own = types.size() <= 9 ? types.size() : 8;
    std::int64_t other = 0;
    for (std::size_t k = own; k < types.size(); ++k) other -= types[k].first;
    for (std::size_t k = 0; k < own; ++k) {
      const std::string line = "series|" + std::to_string(id) + "|" + types[k].second + "|" +
                               std::to_string(-types[k].first) + "|drawn|wide|stroked\n";
      INFO(line);
      CHECK(dom.out.find(line) != std::string::npos);
    }
    if (types.size() > own)
      CHECK(dom.out.find("series|" + std::to_string(id) + "|other|" + std::to_string(other) +
                         "|drawn|wide|stroked\n") != std::string::npos);
    CHECK(count(dom.out, "series|" + std::to_string(id) + "|") == (types.size() > own ? 9 : own));
  }
  CHECK(count(dom.out, "<svg class=\"chart\"") == 2);
  CHECK(dom.out.find("total|frames|" + std::to_string(fx.written.frames.size()) + "\n") !=
        std::string::npos);
  CHECK(dom.out.find("total|raw_bytes|" + std::to_string(fx.written.raw_bytes()) + "\n") !=
        std::string::npos);

  // And a screenshot of the report itself, unmodified: a PNG of the page.
  auto shot = chromium(html, "--screenshot=" + fx.dir.file("report.png"), fx.dir);
  CHECK(shot.exit_code == 0);
  const std::string png = read_file(fx.dir.file("report.png"));
  CHECK(png.size() > 20000);
  CHECK(png.rfind("\x89PNG", 0) == 0);
}

}  // namespace
}  // namespace gwtape::tools::testing
