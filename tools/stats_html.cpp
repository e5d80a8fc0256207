// tools/stats_html.cpp — the HTML report of `gwtape stats --html`, its SVG chart drawn here.
#include "stats_html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace gwtape::tools {
namespace {

constexpr const char* kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                    "#8c564b", "#e377c2", "#17becf", "#7f7f7f"};

std::string escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string num(double v, int decimals = 1) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string row(std::string_view key, std::string_view label, const std::string& value) {
  return "<tr><th>" + std::string(label) + "</th><td data-key=\"" + std::string(key) + "\">" +
         escape(value) + "</td></tr>\n";
}

// 1, 2 or 5 times a power of ten, at least `v`.
double nice_ceiling(double v) {
  if (v <= 0) return 1;
  const double p = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * p >= v) return m * p;
  }
  return 10 * p;
}

std::string short_time(double seconds) {
  if (seconds < 60) return num(seconds, 0) + "s";
  if (seconds < 3600) return num(seconds / 60, seconds < 600 ? 1 : 0) + "m";
  const auto minutes = static_cast<long long>(std::llround(seconds / 60));
  const std::string m = std::to_string(minutes % 60);
  return std::to_string(minutes / 60) + "h" + (minutes % 60 ? (m.size() < 2 ? "0" : "") + m : "");
}

std::string chart(const RecordingSummary& r) {
  constexpr double kW = 960, kH = 380, kLeft = 64, kRight = 250, kTop = 16, kBottom = 44;
  const double plot_w = kW - kLeft - kRight, plot_h = kH - kTop - kBottom;
  const double bucket_s = static_cast<double>(r.bucket_ns) / 1e9;
  const std::size_t n = r.series.empty() ? 1 : r.series.front().counts.size();
  // The last bucket is usually cut short by the end of the recording: its rate is over the
  // time it covers (at least a second), or it would read as a sudden drop.
  auto width_s = [&](std::size_t i) {
    if (i + 1 < n) return bucket_s;
    const double covered =
        static_cast<double>(r.duration_ns - static_cast<std::int64_t>(i) * r.bucket_ns) / 1e9;
    return covered >= bucket_s ? bucket_s : std::max(std::min(1.0, bucket_s), covered);
  };
  double peak = 0;
  for (const auto& s : r.series) {
    for (std::size_t i = 0; i < s.counts.size(); ++i)
      peak = std::max(peak, static_cast<double>(s.counts[i]) / width_s(i));
  }
  const double y_max = nice_ceiling(peak);
  // Gridlines at round values: 1 -> 0.2 steps, 2 -> 0.5, 5 -> 1 (times a power of ten).
  const double lead = y_max / std::pow(10.0, std::floor(std::log10(y_max)));
  const int lines = lead < 1.5 ? 5 : lead < 3 ? 4 : 5;
  const double step = y_max / lines;
  const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  auto x_of = [&](double i) {
    return kLeft + (n > 1 ? i / static_cast<double>(n - 1) : 0) * plot_w;
  };
  auto y_of = [&](double rate) { return kTop + plot_h - rate / y_max * plot_h; };

  std::string out = "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" data-recording=\"" +
                    std::to_string(r.recording.id) + "\" viewBox=\"0 0 " + num(kW, 0) + " " +
                    num(kH, 0) + "\" width=\"100%\" style=\"max-width:" + num(kW, 0) + "px\"" +
                    "\" role=\"img\" aria-label=\"dispatches per second by event type\">\n";
  out += "<g class=\"grid\">\n";
  for (int k = 0; k <= lines; ++k) {
    const double rate = step * k, y = y_of(rate);
    out += "<line x1=\"" + num(kLeft) + "\" y1=\"" + num(y) + "\" x2=\"" + num(kLeft + plot_w) +
           "\" y2=\"" + num(y) + "\"/><text class=\"ylabel\" x=\"" + num(kLeft - 6) + "\" y=\"" +
           num(y + 4) + "\">" + num(rate, decimals) + "</text>\n";
  }
  const std::size_t ticks = std::min<std::size_t>(6, n);
  for (std::size_t k = 0; k < ticks; ++k) {
    const double i = ticks > 1 ? static_cast<double>(k) * static_cast<double>(n - 1) /
                                     static_cast<double>(ticks - 1)
                               : 0;
    out += "<text class=\"xlabel\" x=\"" + num(x_of(i)) + "\" y=\"" + num(kTop + plot_h + 18) +
           "\">" + short_time(i * bucket_s) + "</text>\n";
  }
  out += "<text class=\"axis\" x=\"" + num(kLeft + plot_w / 2) + "\" y=\"" + num(kH - 6) +
         "\">time since the recording started</text>\n";
  out += "<text class=\"axis\" transform=\"rotate(-90)\" x=\"" + num(-(kTop + plot_h / 2)) +
         "\" y=\"14\">dispatches / s</text>\n</g>\n";
  for (std::size_t k = 0; k < r.series.size(); ++k) {
    const ChartSeries& s = r.series[k];
    std::int64_t total = 0;
    std::string d;
    for (std::size_t i = 0; i < s.counts.size(); ++i) {
      total += s.counts[i];
      const double y = y_of(static_cast<double>(s.counts[i]) / width_s(i));
      d += (i ? " L" : "M") + num(x_of(static_cast<double>(i))) + "," + num(y);
      if (n == 1) d += " L" + num(kLeft + plot_w) + "," + num(y);
    }
    const char* color = kPalette[k % std::size(kPalette)];
    out += "<path class=\"series\" data-event=\"" + escape(s.name) + "\" data-total=\"" +
           std::to_string(total) + "\" stroke=\"" + color + "\" d=\"" + d + "\"/>\n";
    const double ly = kTop + 14 + 20 * static_cast<double>(k);
    out += "<g class=\"legend\"><rect x=\"" + num(kW - kRight + 16) + "\" y=\"" + num(ly - 9) +
           "\" width=\"12\" height=\"12\" fill=\"" + color + "\"/><text x=\"" +
           num(kW - kRight + 34) + "\" y=\"" + num(ly + 1) + "\">" + escape(s.name) + " (" +
           std::to_string(total) + ")</text></g>\n";
  }
  out += "</svg>\n";
  return out;
}

std::string recording_section(const RecordingSummary& r) {
  const store::Recording& rec = r.recording;
  const std::string id = std::to_string(rec.id);
  std::string out = "<section class=\"recording\" id=\"recording-" + id + "\" data-recording=\"" +
                    id + "\">\n<h2>Recording " + id + "</h2>\n";
  out += "<p class=\"meta\">" +
         escape(rec.info.gateway_url.empty() ? "(no gateway url)" : rec.info.gateway_url) +
         " &middot; API v" + std::to_string(rec.info.api_version) + " &middot; " +
         escape(rec.info.encoding) + ", compress " + escape(rec.info.compress) + " &middot; " +
         "started " + format_utc(rec.info.started_at_ns) +
         (rec.ended_at_ns ? ", ended " + format_utc(*rec.ended_at_ns)
                          : std::string(", did not end cleanly")) +
         "</p>\n<table class=\"summary\">\n";
  out += row("duration", "duration", format_duration(r.duration_ns));
  out += row("frames", "frames", std::to_string(r.frames));
  out += row("recv", "received", std::to_string(r.recv));
  out += row("send", "sent", std::to_string(r.send));
  out += row("dispatches", "dispatches", std::to_string(r.dispatches));
  out += row("connections", "connections", std::to_string(r.connections));
  out += row("reconnects", "reconnects", std::to_string(r.reconnects()));
  out +=
      row("reconnect_requests", "reconnect requests (op 7)", std::to_string(r.reconnect_requests));
  out += row("invalid_sessions", "invalid sessions (op 9)", std::to_string(r.invalid_sessions));
  out += row("identifies", "identifies (op 2 sent)", std::to_string(r.identifies));
  out += row("resumes", "resumes (op 6 sent)", std::to_string(r.resumes));
  out += row("seq_gaps", "sequence gaps", std::to_string(r.seq_gaps));
  out += row("seq_repeats", "repeated sequence numbers", std::to_string(r.seq_repeats));
  out += row("closes", "connection ends", closes_text(r));
  out += row("raw_bytes", "frame text", std::to_string(r.raw_bytes));
  out += row("stored_bytes", "stored (compressed)", std::to_string(r.stored_bytes));
  out += row("ratio", "ratio", num(ratio(r.raw_bytes, r.stored_bytes), 2));
  out += "</table>\n";
  if (r.series.empty()) {
    out += "<p class=\"empty\">No dispatches in this recording.</p>\n";
  } else {
    out += "<figure>\n" + chart(r) + "<figcaption>Dispatches per second by event type, " +
           "averaged over " + short_time(static_cast<double>(r.bucket_ns) / 1e9) + " buckets";
    if (r.by_type.size() > r.series.size())
      out += "; \"other\" sums the " + std::to_string(r.by_type.size() - r.series.size() + 1) +
             " less frequent types";
    out += ".</figcaption>\n</figure>\n";
  }
  out += "<table class=\"types\">\n<tr><th>event type</th><th>dispatches</th></tr>\n";
  for (const auto& [name, count] : r.by_type) {
    out += "<tr><td>" + escape(name) + "</td><td data-event=\"" + escape(name) + "\">" +
           std::to_string(count) + "</td></tr>\n";
  }
  out += "</table>\n</section>\n";
  return out;
}

}  // namespace

std::string render_stats_html(const LogSummary& s) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>gwtape stats: " +
      escape(s.path) +
      "</title>\n<style>\n"
      "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1000px}\n"
      "h1{font-size:20px}h2{font-size:17px;margin-top:32px}\n"
      "table{border-collapse:collapse;margin:8px 0}th,td{padding:2px 10px;text-align:left}\n"
      "td{font-variant-numeric:tabular-nums}tr:nth-child(even){background:#f4f4f4}\n"
      ".chart .grid line{stroke:#ddd}.chart text{font-size:11px;fill:#444}\n"
      ".chart .ylabel{text-anchor:end}.chart .xlabel,.chart .axis{text-anchor:middle}\n"
      ".chart .series{fill:none;stroke-width:1.6}.chart .legend text{font-size:12px}\n"
      "figcaption{color:#666;font-size:12px}\n"
      "</style>\n</head>\n<body>\n<h1>gwtape stats</h1>\n<p class=\"path\">" +
      escape(s.path) + "</p>\n<table id=\"totals\" class=\"totals\">\n";
  const store::LogStats& f = s.file;
  out += row("frames", "frames", std::to_string(f.frames));
  out += row("recordings", "recordings", std::to_string(f.recordings));
  out += row("raw_bytes", "frame text (raw_bytes)", std::to_string(f.raw_bytes));
  out += row("frame_bytes", "frame storage (frame_bytes)", std::to_string(f.frame_bytes));
  out += row("meta_bytes", "metadata (meta_bytes)", std::to_string(f.meta_bytes));
  out += row("file_bytes", "file", std::to_string(f.file_bytes));
  out += row("ratio", "frame text / frame storage", num(ratio(f.raw_bytes, f.frame_bytes), 2));
  out += "</table>\n";
  for (const auto& r : s.recordings) out += recording_section(r);
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace gwtape::tools
