#include "nats_util.h"

namespace gwtape::stream::detail {
namespace {

void on_connected(natsConnection*, void*) {}

}  // namespace

std::string nats_text(natsStatus s) {
  const char* last = nats_GetLastError(nullptr);
  std::string out = natsStatus_GetText(s);
  if (last && *last && out != last) out += std::string(" (") + last + ")";
  return out;
}

std::string join_urls(const std::vector<std::string>& urls) {
  std::string out;
  for (const auto& u : urls) out += (out.empty() ? "" : ",") + u;
  return out;
}

natsStatus background_options(natsOptions** out, const std::vector<std::string>& urls,
                              std::int64_t reconnect_wait_ms, std::int64_t timeout_ms) {
  std::vector<const char*> servers;
  for (const auto& u : urls) servers.push_back(u.c_str());
  natsStatus s = natsOptions_Create(out);
  if (s == NATS_OK) {
    s = natsOptions_SetServers(*out, servers.data(), static_cast<int>(servers.size()));
  }
  if (s == NATS_OK) s = natsOptions_SetRetryOnFailedConnect(*out, true, &on_connected, nullptr);
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(*out, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(*out, reconnect_wait_ms);
  if (s == NATS_OK) s = natsOptions_SetTimeout(*out, timeout_ms);
  return s;
}

}  // namespace gwtape::stream::detail
