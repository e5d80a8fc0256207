// tools/json_text.h — the few text encodings the tools write: JSON strings, base64, hex.
//
// `gwtape query --format jsonl`, `export` and `stats --json` write JSON by hand with these; one
// escaping rule everywhere: `"` and `\` escaped, control bytes below 0x20 as \n \r \t \b \f or
// \u00XX, everything else (UTF-8 included) as is. `export` writes only valid UTF-8 through
// `append_json_string` (and base64 for the rest); `query` may meet any bytes in a TEXT value
// and uses `append_json_string_lossy`, which writes each byte that does not start a valid
// UTF-8 sequence as U+FFFD (the gateway's JSON writer does the same).
//
// Thread-safety: pure functions. Lifetimes: nothing is kept.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gwtape::tools {

// True when `text` is valid UTF-8 (RFC 3629: no overlongs, surrogates or code points above
// U+10FFFF); the same check simdjson applies when it reads JSON back.
bool is_valid_utf8(std::string_view text);

// Appends `text` as a quoted JSON string. REQUIRES: is_valid_utf8(text).
void append_json_string(std::string& out, std::string_view text);
// Same for any bytes: each byte that does not start a valid UTF-8 sequence becomes U+FFFD.
void append_json_string_lossy(std::string& out, std::string_view text);

// Standard base64 (RFC 4648 section 4, with '=' padding).
void append_base64(std::string& out, std::string_view bytes);
// Decodes standard, padded base64; nullopt on any other character or a bad length.
std::optional<std::string> decode_base64(std::string_view text);

// Lowercase hex, two digits per byte.
void append_hex(std::string& out, std::string_view bytes);

// The shortest decimal that reads back as `value`, always with a '.' or an exponent so it
// stays a real; infinities as 1e999 / -1e999 (valid JSON that reads back as infinite).
std::string format_real(double value);

}  // namespace gwtape::tools
