// gwtape/recorder/redact.h — what must not reach the log: the token, and what users say.
//
// `TokenMask` replaces every occurrence of the bot token in a frame (raw or JSON-escaped) with
// a fixed marker before the writer sees it; identify (op 2) and resume (op 6) carry it, but it
// is masked wherever it appears. `RedactionRule`s come from `--redact EVENT:$.path`
// (`MESSAGE_CREATE:$.d.content`, `*:$.d.author.email`, `*:$.d.mentions[*].email`): the value
// at the path, of any JSON type, is replaced by the string "[redacted]" in dispatches of that
// event (or of every event, for `*`). A frame that does not parse is kept as it is (minus the
// token): nothing is lost, and there is no value to find in it.
//
// Thread-safety: const methods are reentrant. Lifetimes: none.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gwtape/common/result.h"
#include "gwtape/gateway/secret.h"
#include "gwtape/store/frame.h"

namespace gwtape::recorder {

enum class Errc { kInvalidRule = 1, kWriter, kClosed, kStream };
template <class T>
using Result = gwtape::Result<T, Errc>;
using Status = gwtape::Result<void, Errc>;

inline constexpr std::string_view kTokenMarker = store::kTokenMarker;
inline constexpr std::string_view kRedactedMarker = "[redacted]";

// The token (and its JSON-escaped spelling) replaced by kTokenMarker. The mask keeps the token
// in a gateway::Secret, out of core dumps.
class TokenMask {
 public:
  explicit TokenMask(gateway::Secret token);
  // Replaces the token in place; returns how many occurrences were masked.
  int apply(std::string& frame) const;
  // Appends `text` to `out` masked, the token never copied (what the recorder does with the
  // frames it is handed: an identify's token never reaches ordinary memory); returns how many
  // occurrences were masked.
  int append_masked(std::string_view text, std::string& out) const;

 private:
  gateway::Secret token_;
  gateway::Secret escaped_;  // the token as JSON-escaped text, when that differs
};

class RedactionRule {
 public:
  // "EVENT:$.a.b[*].c" with EVENT an event name or "*". Errors: kInvalidRule naming the fault.
  static Result<RedactionRule> parse(std::string_view spec);
  const std::string& spec() const { return spec_; }
  const std::string& event() const { return event_; }
  const std::vector<std::string>& path() const { return path_; }  // "[*]" for any element

 private:
  std::string spec_;
  std::string event_;
  std::vector<std::string> path_;
};

// Applies every rule that matches the frame's event to the frame text, in place. Returns how
// many values were replaced.
int redact(std::string& frame, const std::vector<RedactionRule>& rules);

}  // namespace gwtape::recorder
