// tools/stats_html.h — `gwtape stats --html`: a one-page, self-contained report.
//
// Totals of the file, then per recording its figures, an SVG chart of dispatches per second
// by event type (one <path class="series" data-event="NAME"> per series, drawn here: no
// script, no external asset, nothing fetched) and the table of dispatches by type. Elements
// carry data-* attributes (data-key, data-recording, data-event, data-total) so a test, or
// a script, can read the figures from the DOM.
//
// Thread-safety: pure function. Lifetimes: none.
#pragma once

#include <string>

#include "log_summary.h"

namespace gwtape::tools {

std::string render_stats_html(const LogSummary& summary);

}  // namespace gwtape::tools
