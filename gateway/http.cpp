#include "gwtape/gateway/http.h"

#include <curl/curl.h>
#include <simdjson.h>

#include <memory>

#include "curl_global.h"
#include "gwtape/gateway/json.h"
#include "gwtape/gateway/secret.h"
#include "read_document.h"

namespace gwtape::gateway {
namespace detail {

GWTAPE_FIELDS(SessionStartLimit, GWTAPE_F(total), GWTAPE_F(remaining),
              Field<"reset_after", &T::reset_after_ms>, GWTAPE_F(max_concurrency));
GWTAPE_FIELDS(GatewayBotInfo, GWTAPE_F(url), GWTAPE_F(shards), GWTAPE_F(session_start_limit));

}  // namespace detail

namespace {

std::size_t append_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* body = static_cast<std::string*>(user);
  if (body->size() + size * n > (1u << 20)) return 0;  // a gateway answer is tiny
  body->append(data, size * n);
  return size * n;
}

// One request (GET, or POST with a JSON body); returns the body of a 2xx answer.
// `authorization` is the whole header line, a Secret: it carries the token.
Result<std::string> request(std::string_view method, const std::string& url,
                            const Secret& authorization, const std::string* json_body,
                            const ConnectOptions& options) {
  detail::curl_global_init_once();
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return make_error(Errc::kTransport, "curl_easy_init failed");
  std::string body;
  char errbuf[CURL_ERROR_SIZE] = {};
  curl_slist* headers = nullptr;
  if (!authorization.empty()) headers = curl_slist_append(headers, authorization.c_str());
  if (json_body != nullptr) headers = curl_slist_append(headers, "Content-Type: application/json");
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> header_guard(headers, curl_slist_free_all);
  CURL* h = curl.get();
  const std::string what = std::string(method) + " " + url;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  if (json_body != nullptr) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, json_body->data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(json_body->size()));
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(options.connect_timeout_ns / 1'000'000));
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, options.verify_peer ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, options.verify_peer ? 2L : 0L);
  if (!options.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options.ca_file.c_str());
  if (CURLcode rc = curl_easy_perform(h); rc != CURLE_OK) {
    return make_error(rc == CURLE_OPERATION_TIMEDOUT ? Errc::kTimeout : Errc::kTransport,
                      what + ": " + curl_easy_strerror(rc) +
                          (errbuf[0] ? std::string(" (") + errbuf + ")" : std::string()));
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (status == 401) {
    return make_error(Errc::kTransport,
                      what + ": 401 Unauthorized: the token was rejected (check DISCORD_TOKEN)");
  }
  if (status < 200 || status > 299) {
    return make_error(Errc::kTransport,
                      what + ": HTTP " + std::to_string(status) + ": " + body.substr(0, 200));
  }
  return body;
}

Result<std::string> get(const std::string& url, const Secret& authorization,
                        const ConnectOptions& options) {
  return request("GET", url, authorization, nullptr, options);
}

Secret bot_authorization(std::string_view token) {
  Secret authorization("Authorization: Bot ");
  authorization.append(token);
  return authorization;
}

}  // namespace

Result<std::string> gateway_url(std::string_view api_base, const ConnectOptions& options) {
  const std::string url = std::string(api_base) + "/gateway";
  auto body = get(url, Secret(), options);
  if (!body.ok()) return body.error();
  GatewayBotInfo info;
  if (Status st = detail::read_document(PaddedView(*body), info, "GET " + url); !st.ok())
    return st.error();
  if (info.url.empty())
    return make_error(Errc::kParse, "GET " + url + ": no \"url\" in the answer");
  return info.url;
}

Result<GatewayBotInfo> gateway_bot(std::string_view token, std::string_view api_base,
                                   const ConnectOptions& options) {
  const std::string url = std::string(api_base) + "/gateway/bot";
  auto body = get(url, bot_authorization(token), options);
  if (!body.ok()) return body.error();
  GatewayBotInfo info;
  if (Status st = detail::read_document(PaddedView(*body), info, "GET " + url); !st.ok())
    return st.error();
  if (info.url.empty())
    return make_error(Errc::kParse, "GET " + url + ": no \"url\" in the answer");
  return info;
}

Result<Message> create_message(std::string_view token, Snowflake channel_id,
                               std::string_view content, std::string_view api_base,
                               const ConnectOptions& options) {
  if (!channel_id.valid()) return make_error(Errc::kInvalidArgument, "create_message: no channel");
  const std::string url =
      std::string(api_base) + "/channels/" + std::to_string(channel_id.value) + "/messages";
  std::string json = "{\"content\":\"";
  append_json_escaped(json, content);
  json += "\"}";
  auto body = request("POST", url, bot_authorization(token), &json, options);
  if (!body.ok()) return body.error();
  Message message;
  if (Status st = detail::read_document(PaddedView(*body), message, "POST " + url); !st.ok()) {
    return st.error();
  }
  return message;
}

}  // namespace gwtape::gateway
