// bench/nlohmann_read.h — private to the replay benchmark's peer decoder: the nlohmann::json
// readers, one `read(json, T&)` per scalar and container (mirroring gateway/json_read.h's
// Reader) and one `fields(json, T&)` per struct (mirroring gateway/decode_model.cpp and
// decode_events.cpp). Scalars and model structs are in nlohmann_model.cpp, events and the
// frame in nlohmann_decode.cpp. A wrong type throws (nlohmann's type_error, or BadField).
//
// Thread-safety: stateless functions. Lifetimes: nothing is kept from the json.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "gwtape/gateway/events.h"
#include "gwtape/gateway/model.h"
#include "gwtape/gateway/model_more.h"

namespace gwtape::bench::nl {

namespace gw = gwtape::gateway;
using nlohmann::json;

// A value nlohmann reads but our decoders reject: an integer out of range, a malformed
// snowflake or timestamp, a number where an integer is expected.
struct BadField : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---- declarations (the readers call each other recursively) ------------------------------

void read(const json& j, bool& out);
void read(const json& j, std::int32_t& out);
void read(const json& j, std::int64_t& out);
void read(const json& j, std::uint32_t& out);
void read(const json& j, std::uint64_t& out);
void read(const json& j, double& out);
void read(const json& j, std::string& out);
void read(const json& j, std::optional<std::string>& out);
void read(const json& j, gw::Snowflake& out);
void read(const json& j, gw::Timestamp& out);
template <class T>
void read(const json& j, std::vector<T>& out);
template <class T>
void read(const json& j, std::optional<T>& out);
template <class T, std::size_t N>
void read(const json& j, std::array<T, N>& out);
template <class T>
void read(const json& j, T& out);

void fields(const json& j, gw::User& out);
void fields(const json& j, gw::Role& out);
void fields(const json& j, gw::Member& out);
void fields(const json& j, gw::Emoji& out);
void fields(const json& j, gw::Sticker& out);
void fields(const json& j, gw::PermissionOverwrite& out);
void fields(const json& j, gw::ThreadMetadata& out);
void fields(const json& j, gw::Channel& out);
void fields(const json& j, gw::Activity& out);
void fields(const json& j, gw::Presence& out);
void fields(const json& j, gw::VoiceState& out);
void fields(const json& j, gw::Attachment& out);
void fields(const json& j, gw::Reaction& out);
void fields(const json& j, gw::Message& out);
void fields(const json& j, gw::UnavailableGuild& out);
void fields(const json& j, gw::Guild& out);
void fields(const json& j, gw::ThreadMember& out);
void fields(const json& j, gw::GuildScheduledEvent& out);
void fields(const json& j, gw::StageInstance& out);
void fields(const json& j, gw::SoundboardSound& out);
void fields(const json& j, gw::AutoModerationAction& out);
void fields(const json& j, gw::AutoModerationRule& out);
void fields(const json& j, gw::Integration& out);
void fields(const json& j, gw::Entitlement& out);
void fields(const json& j, gw::Subscription& out);
void fields(const json& j, gw::ApplicationCommandPermission& out);
void fields(const json& j, gw::ChannelInfo& out);

// `"key": value` into out when the key is there; a missing key leaves out as it is.
template <class T>
void field(const json& j, const char* key, T& out) {
  if (auto it = j.find(key); it != j.end()) read(*it, out);
}

void read_raw(const json& j, std::string& out);
void read_string_or_number(const json& j, std::optional<std::string>& out);
// {"id": ...} where only the id matters (a presence's user, message_reference's message_id).
gw::Snowflake id_in(const json& j, const char* object, const char* id);

template <class T>
void read(const json& j, std::vector<T>& out) {
  out.clear();
  if (j.is_null()) return;
  if (!j.is_array()) throw BadField("expected an array");
  out.reserve(j.size());
  for (const json& element : j) read(element, out.emplace_back());
}

template <class T>
void read(const json& j, std::optional<T>& out) {
  if (j.is_null()) {
    out.reset();
  } else {
    read(j, out.emplace());
  }
}

template <class T, std::size_t N>
void read(const json& j, std::array<T, N>& out) {
  if (!j.is_array() || j.size() != N) throw BadField("expected an array of " + std::to_string(N));
  for (std::size_t i = 0; i < N; ++i) read(j[i], out[i]);
}

// A struct: its fields() overload; null leaves it as it is.
template <class T>
void read(const json& j, T& out) {
  if (j.is_null()) return;
  if (!j.is_object()) throw BadField("expected an object");
  fields(j, out);
}

}  // namespace gwtape::bench::nl
