#include "gwtape/recorder/redact.h"

#include <algorithm>

#include "gwtape/gateway/envelope.h"
#include "gwtape/gateway/json.h"
#include "gwtape/gateway/json_path.h"

namespace gwtape::recorder {

TokenMask::TokenMask(gateway::Secret token) : token_(std::move(token)) {
  // The token as a payload spells it inside a JSON string (gwtape's one escaping rule).
  gateway::Secret escaped;
  gateway::append_json_escaped(escaped, token_.view());
  if (escaped.view() != token_.view()) escaped_ = std::move(escaped);
}

int TokenMask::append_masked(std::string_view text, std::string& out) const {
  if (token_.empty()) {
    out.append(text);
    return 0;
  }
  int n = 0;
  std::size_t pos = 0;
  for (;;) {
    // The earlier of the two spellings (they cannot overlap: each is a whole token).
    std::size_t hit = text.find(token_.view(), pos);
    std::size_t len = token_.size();
    if (!escaped_.empty()) {
      const std::size_t e = text.find(escaped_.view(), pos);
      if (e < hit) {
        hit = e;
        len = escaped_.size();
      }
    }
    if (hit == std::string_view::npos) break;
    out.append(text.substr(pos, hit - pos));
    out.append(kTokenMarker);
    pos = hit + len;
    ++n;
  }
  out.append(text.substr(pos));
  return n;
}

int TokenMask::apply(std::string& frame) const {
  std::string masked;
  const int n = append_masked(frame, masked);
  if (n > 0) frame = std::move(masked);
  return n;
}

Result<RedactionRule> RedactionRule::parse(std::string_view spec) {
  auto bad = [&](std::string why) {
    return make_error(Errc::kInvalidRule, "--redact \"" + std::string(spec) + "\": " + why +
                                              " (expected EVENT:$.path, e.g. "
                                              "MESSAGE_CREATE:$.d.content or *:$.d.author.email)");
  };
  const auto colon = spec.find(':');
  if (colon == std::string_view::npos || colon == 0) return bad("no EVENT: prefix");
  RedactionRule rule;
  rule.spec_.assign(spec);
  rule.event_.assign(spec.substr(0, colon));
  for (char c : rule.event_) {
    if (!(c == '*' || c == '_' || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
      return bad("the event must be an event name in capitals or *");
    }
  }
  std::string_view path = spec.substr(colon + 1);
  if (path.substr(0, 2) != "$.") return bad("the path must start with $.");
  path.remove_prefix(2);
  while (!path.empty()) {
    const std::size_t end = path.find_first_of(".[");
    std::string_view key = path.substr(0, end);
    if (key.empty() && (end == std::string_view::npos || path[end] == '.')) {
      return bad("empty key in the path");
    }
    if (!key.empty()) rule.path_.emplace_back(key);
    if (end == std::string_view::npos) break;
    path.remove_prefix(end);
    if (path.substr(0, 3) == "[*]") {
      rule.path_.emplace_back("[*]");
      path.remove_prefix(3);
      if (!path.empty() && path[0] == '.') path.remove_prefix(1);
      continue;
    }
    if (path[0] == '[') return bad("only [*] is supported inside brackets");
    path.remove_prefix(1);  // the '.'
    if (path.empty()) return bad("the path ends with a dot");
  }
  if (rule.path_.empty()) return bad("empty path");
  return rule;
}

int redact(std::string& frame, const std::vector<RedactionRule>& rules) {
  if (rules.empty()) return 0;
  gateway::EnvelopeParser envelopes;
  auto env = envelopes.parse(frame);
  if (!env.ok() || env->op != gateway::OpCode::kDispatch) return 0;
  const std::string event(env->t);
  std::vector<gateway::ByteSpan> spans;
  for (const RedactionRule& rule : rules) {
    if (rule.event() != "*" && rule.event() != event) continue;
    auto found = gateway::find_values(frame, rule.path());
    if (found.ok()) spans.insert(spans.end(), found->begin(), found->end());
  }
  // A value inside another matched value goes with the outer one.
  std::sort(spans.begin(), spans.end(), [](const auto& a, const auto& b) {
    return a.offset != b.offset ? a.offset < b.offset : a.length > b.length;
  });
  std::vector<gateway::ByteSpan> outer;
  for (const auto& span : spans) {
    if (outer.empty() || span.offset >= outer.back().offset + outer.back().length) {
      outer.push_back(span);
    }
  }
  // Replace from the end so earlier offsets stay valid.
  std::string marker(1, '"');  // not "\"" + ...: GCC 12 -Wrestrict false positive
  marker.append(kRedactedMarker).push_back('"');
  int n = 0;
  for (auto it = outer.rbegin(); it != outer.rend(); ++it, ++n) {
    frame.replace(it->offset, it->length, marker);
  }
  return n;
}

}  // namespace gwtape::recorder
