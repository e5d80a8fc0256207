// tests/gateway/json_compare.h — test support: compares gwtape's canonical JSON of a decoded
// object (gwtape/gateway/json.h) with the wire JSON it was decoded from, by meaning.
//
// The walk follows the encoding: every key it has must match the wire value at the same path.
// Snowflakes are equal as numbers (string or number on the wire), timestamps as instants
// (Timestamp::parse on both sides), an integer nonce kept as text equals its digits; null or
// missing on the wire equals the model's default (null, false, 0, "", [], an object of
// defaults; Emoji::available's default is true); arrays compare element by element; the one
// derived field with a name of its own, "embeds_count", is the length of the wire's "embeds".
// Keys the wire has and the encoding lacks are not looked at: the model skips them.
//
// Thread-safety: pure function. Lifetimes: nothing is kept.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gwtape::test {

using Mismatches = std::vector<std::string>;

// One line per difference ("d.author.id: encoded \"1\", file \"2\""), paths rooted at `root`.
// A text that is not JSON gives one line saying which.
Mismatches compare_with_wire(const std::string& encoded, const std::string& wire,
                             const std::string& root = "d");

// The lines joined with newlines, for a test message.
std::string join(const Mismatches& lines);

}  // namespace gwtape::test
