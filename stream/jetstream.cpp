// stream/jetstream.cpp — libnats behind gwtape's JetStream: connect, stream, publish, read.
#include "gwtape/stream/jetstream.h"

#include <nats/nats.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <unordered_map>

#include "nats_util.h"

namespace gwtape::stream {
namespace {

using detail::join_urls;
using detail::nats_text;

bool takes_all(const jsStreamConfig* cfg, const std::string& want) {
  if (!cfg) return false;
  for (int i = 0; i < cfg->SubjectsLen; ++i) {
    if (cfg->Subjects[i] && want == cfg->Subjects[i]) return true;
  }
  return false;
}

}  // namespace

struct JetStream::Impl {
  JetStreamOptions options;
  natsOptions* opts = nullptr;
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  // The window in flight: each message id's outcome ("" acknowledged, else why not), written
  // by on_ack on libnats' thread as the acknowledgements come back.
  std::mutex ack_mu;
  std::unordered_map<std::string, std::string> outcomes;

  static void on_ack(jsCtx*, natsMsg* msg, jsPubAck* ack, jsPubAckErr* err, void* closure) {
    auto* self = static_cast<Impl*>(closure);
    const char* id = nullptr;
    if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &id) == NATS_OK && id) {
      std::string why;
      if (!ack) {
        why = err && err->ErrText ? err->ErrText : "refused";
        if (err && err->ErrCode)
          why += " (JetStream error " + std::to_string(static_cast<int>(err->ErrCode)) + ")";
      }
      std::lock_guard lock(self->ack_mu);
      self->outcomes[id] = std::move(why);
    }
    natsMsg_Destroy(msg);
  }

  ~Impl() {
    if (js) jsCtx_Destroy(js);
    if (nc) {
      natsConnection_Close(nc);
      natsConnection_Destroy(nc);
    }
    if (opts) natsOptions_Destroy(opts);
  }

  // `code` when JetStream refused for good (`jerr` says so); kUnreachable for what waiting can
  // cure: no server, no answer (a leader being elected, a stream offline), too few peers now.
  Error failure(Errc code, const std::string& what, natsStatus s, jsErrCode jerr) const {
    const bool final = jerr == JSStreamSubjectOverlapErr ||
                       jerr == JSStreamReplicasNotSupportedErr || jerr == JSNotEnabledErr ||
                       jerr == JSNotEnabledForAccountErr || jerr == JSStreamNotMatchErr ||
                       jerr == JSStreamMessageExceedsMaximumErr;
    if (!final || natsConnection_Status(nc) != NATS_CONN_STATUS_CONNECTED) {
      code = Errc::kUnreachable;
    }
    return make_error(code, join_urls(options.urls) + ": " + what + ": " + nats_text(s));
  }
};

struct StreamReader::Impl {
  natsSubscription* sub = nullptr;
  std::uint64_t total = 0;
  std::string where;
  ~Impl() {
    if (sub) {
      natsSubscription_Unsubscribe(sub);
      natsSubscription_Destroy(sub);
    }
  }
};

Result<std::vector<std::string>> parse_urls(std::string_view list) {
  std::vector<std::string> urls;
  std::size_t start = 0;
  while (start <= list.size()) {
    auto comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    std::string url(list.substr(start, comma - start));
    start = comma + 1;
    if (url.rfind("nats://", 0) != 0) {
      if (url.find("://") != std::string::npos) {
        return make_error(Errc::kInvalidArgument,
                          "\"" + url + "\" is not a nats:// URL (nats://HOST:PORT)");
      }
      url = "nats://" + url;
    }
    const std::string host_port = url.substr(7);
    const auto colon = host_port.rfind(':');
    const bool port_ok =
        colon != std::string::npos && colon > 0 && colon + 1 < host_port.size() &&
        host_port.find_first_not_of("0123456789", colon + 1) == std::string::npos &&
        host_port.size() - colon - 1 <= 5 && std::atoi(host_port.c_str() + colon + 1) <= 65535;
    if (!port_ok || host_port.find_first_of("/ ,") != std::string::npos) {
      return make_error(Errc::kInvalidArgument,
                        "\"" + url + "\" is not a server URL of the form nats://HOST:PORT");
    }
    urls.push_back(std::move(url));
    if (comma == list.size()) break;
  }
  if (urls.empty()) return make_error(Errc::kInvalidArgument, "no server URL given");
  return urls;
}

Result<std::unique_ptr<JetStream>> JetStream::connect(const JetStreamOptions& options) {
  if (options.urls.empty()) return make_error(Errc::kInvalidArgument, "no server URL given");
  if (!valid_stream_name(options.stream)) {
    return make_error(Errc::kInvalidArgument, "stream name \"" + options.stream +
                                                  "\" is not 1-64 characters of A-Z a-z 0-9 _ -");
  }
  if (options.replicas < 1 || options.replicas > 5) {
    return make_error(Errc::kInvalidArgument,
                      "replicas must be 1 to 5, got " + std::to_string(options.replicas));
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  natsStatus s = detail::background_options(
      &impl->opts, options.urls, options.reconnect_wait.count(), options.connect_timeout.count());
  // A server that stops answering (SIGKILL, a partition) is noticed within about 2 s.
  if (s == NATS_OK) s = natsOptions_SetPingInterval(impl->opts, 1000);
  if (s == NATS_OK) s = natsOptions_SetMaxPingsOut(impl->opts, 2);
  if (s != NATS_OK) {
    return make_error(Errc::kInvalidArgument, join_urls(options.urls) + ": " + nats_text(s));
  }
  s = natsConnection_Connect(&impl->nc, impl->opts);
  if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
    return make_error(Errc::kUnreachable, join_urls(options.urls) + ": " + nats_text(s));
  }
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = options.ack_wait.count();
  jo.PublishAsync.MaxPending = kPublishWindow;
  jo.PublishAsync.AckHandler = &Impl::on_ack;
  jo.PublishAsync.AckHandlerClosure = impl.get();
  s = natsConnection_JetStream(&impl->js, impl->nc, &jo);
  if (s != NATS_OK) {
    return make_error(Errc::kUnreachable, join_urls(options.urls) + ": JetStream: " + nats_text(s));
  }
  return std::unique_ptr<JetStream>(new JetStream(std::move(impl)));
}

JetStream::JetStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JetStream::~JetStream() = default;

bool JetStream::connected() const {
  return natsConnection_Status(impl_->nc) == NATS_CONN_STATUS_CONNECTED;
}

const JetStreamOptions& JetStream::options() const { return impl_->options; }
std::string JetStream::servers() const { return join_urls(impl_->options.urls); }

Status JetStream::ensure_stream() {
  const auto& o = impl_->options;
  const std::string subjects = all_subjects(o.stream);
  jsStreamInfo* si = nullptr;
  jsErrCode jerr{};
  natsStatus s = js_GetStreamInfo(&si, impl_->js, o.stream.c_str(), nullptr, &jerr);
  if (s == NATS_OK) {
    const bool ok = takes_all(si->Config, subjects);
    jsStreamInfo_Destroy(si);
    if (!ok) {
      return make_error(Errc::kStream, servers() + ": stream " + o.stream +
                                           " exists but does not take the subjects " + subjects +
                                           ": it is not a gwtape stream; name another with "
                                           "--nats-stream");
    }
    return {};
  }
  if (s != NATS_NOT_FOUND) return impl_->failure(Errc::kStream, "stream " + o.stream, s, jerr);
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  const char* subject_list[] = {subjects.c_str()};
  cfg.Name = o.stream.c_str();
  cfg.Subjects = subject_list;
  cfg.SubjectsLen = 1;
  cfg.Storage = js_FileStorage;
  cfg.Replicas = o.replicas;
  s = js_AddStream(&si, impl_->js, &cfg, nullptr, &jerr);
  if (s != NATS_OK) {
    return impl_->failure(
        Errc::kStream,
        "creating stream " + o.stream + " with " + std::to_string(o.replicas) + " replica(s)", s,
        jerr);
  }
  jsStreamInfo_Destroy(si);
  return {};
}

Status JetStream::publish(const Message& message) {
  const Message* one[] = {&message};
  WindowResult r = publish_window(one);
  return r.acknowledged == 1 ? Status{} : r.failure;
}

WindowResult JetStream::publish_window(std::span<const Message* const> messages) {
  const std::size_t n = std::min(messages.size(), kPublishWindow);
  {
    std::lock_guard lock(impl_->ack_mu);
    impl_->outcomes.clear();
  }
  auto failed = [&](const Message& m, const std::string& why) {
    // Always worth retrying: right after a cluster restart a publish got "no responders" with
    // a JetStream code that looked final, until the stream was loaded again.
    return make_error(Errc::kUnreachable,
                      servers() + ": publish " + m.msg_id + " on " + m.subject + ": " + why);
  };
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.ExpectStream = impl_->options.stream.c_str();
  po.MaxWait = impl_->options.ack_wait.count();  // each message's own deadline
  WindowResult r;
  std::size_t sent = 0;
  for (; sent < n; ++sent) {
    const Message& m = *messages[sent];
    natsMsg* msg = nullptr;
    natsStatus s = natsMsg_Create(&msg, m.subject.c_str(), nullptr, m.data.data(),
                                  static_cast<int>(m.data.size()));
    for (const auto& [k, v] : m.headers) {
      if (s == NATS_OK) s = natsMsgHeader_Set(msg, k.c_str(), v.c_str());
    }
    po.MsgId = m.msg_id.c_str();
    if (s == NATS_OK) s = js_PublishMsgAsync(impl_->js, &msg, &po);
    natsMsg_Destroy(msg);  // a no-op once the library took it
    if (s != NATS_OK) {
      r.failure = failed(m, nats_text(s));
      break;
    }
  }
  if (sent > 0) {
    // Each message times out on its own after ack_wait; the extra second is slack for
    // libnats' timer. What is still pending after it is taken back (its late acknowledgement
    // is then ignored) and counts as not acknowledged.
    jsPubOptions wait;
    jsPubOptions_Init(&wait);
    wait.MaxWait = impl_->options.ack_wait.count() + 1000;
    if (js_PublishAsyncComplete(impl_->js, &wait) != NATS_OK) {
      natsMsgList pending{};
      if (js_PublishAsyncGetPendingList(&pending, impl_->js) == NATS_OK) {
        natsMsgList_Destroy(&pending);
      }
    }
  }
  std::lock_guard lock(impl_->ack_mu);
  for (; r.acknowledged < sent; ++r.acknowledged) {
    const Message& m = *messages[r.acknowledged];
    auto it = impl_->outcomes.find(m.msg_id);
    if (it == impl_->outcomes.end()) {
      r.failure = failed(m, "no acknowledgement within " +
                                std::to_string(impl_->options.ack_wait.count()) + " ms");
      return r;
    }
    if (!it->second.empty()) {
      r.failure = failed(m, it->second);
      return r;
    }
  }
  return r;
}

Result<std::unique_ptr<StreamReader>> JetStream::read(const std::string& filter,
                                                      std::int64_t since_ns) {
  const auto& o = impl_->options;
  if (!connected()) {
    return make_error(Errc::kUnreachable, servers() + ": no server answers");
  }
  jsStreamInfo* si = nullptr;
  jsErrCode jerr{};
  natsStatus s = js_GetStreamInfo(&si, impl_->js, o.stream.c_str(), nullptr, &jerr);
  if (s == NATS_NOT_FOUND) {
    return make_error(Errc::kStream, servers() + ": no stream " + o.stream);
  }
  if (s != NATS_OK) return impl_->failure(Errc::kStream, "stream " + o.stream, s, jerr);
  const bool ours = takes_all(si->Config, all_subjects(o.stream));
  jsStreamInfo_Destroy(si);
  if (!ours) {
    return make_error(Errc::kStream, servers() + ": stream " + o.stream +
                                         " does not take the subjects " + all_subjects(o.stream) +
                                         ": it is not a stream gwtape record writes");
  }
  auto r = std::make_unique<StreamReader::Impl>();
  r->where = servers() + ": stream " + o.stream + ", subjects " + filter;
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = o.stream.c_str();
  so.Ordered = true;
  if (since_ns > 0) {
    so.Config.DeliverPolicy = js_DeliverByStartTime;
    so.Config.OptStartTime = since_ns;
  }
  s = js_SubscribeSync(&r->sub, impl_->js, filter.c_str(), nullptr, &so, &jerr);
  if (s != NATS_OK) return impl_->failure(Errc::kStream, "reading " + r->where, s, jerr);
  jsConsumerInfo* ci = nullptr;
  s = natsSubscription_GetConsumerInfo(&ci, r->sub, nullptr, &jerr);
  if (s != NATS_OK) return impl_->failure(Errc::kStream, "reading " + r->where, s, jerr);
  r->total = ci->NumPending + ci->Delivered.Consumer;
  jsConsumerInfo_Destroy(ci);
  return std::make_unique<StreamReader>(std::move(r));
}

StreamReader::StreamReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StreamReader::~StreamReader() = default;
std::uint64_t StreamReader::total() const { return impl_->total; }

Result<StreamMessage> StreamReader::next(std::chrono::milliseconds timeout) {
  natsMsg* msg = nullptr;
  natsStatus s = natsSubscription_NextMsg(&msg, impl_->sub, timeout.count());
  if (s == NATS_TIMEOUT) {
    return make_error(Errc::kTimeout, impl_->where + ": no message within " +
                                          std::to_string(timeout.count()) + " ms");
  }
  if (s != NATS_OK) {
    return make_error(Errc::kUnreachable, impl_->where + ": " + nats_text(s));
  }
  StreamMessage out;
  out.subject = natsMsg_GetSubject(msg);
  out.data.assign(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
  const char** keys = nullptr;
  int count = 0;
  if (natsMsgHeader_Keys(msg, &keys, &count) == NATS_OK) {
    for (int i = 0; i < count; ++i) {
      const char* value = nullptr;
      if (natsMsgHeader_Get(msg, keys[i], &value) == NATS_OK && value) {
        out.headers.emplace_back(keys[i], value);
      }
    }
    std::free(static_cast<void*>(keys));
  }
  jsMsgMetaData* meta = nullptr;
  if (natsMsg_GetMetaData(&meta, msg) == NATS_OK) {
    out.stream_seq = meta->Sequence.Stream;
    out.pending = meta->NumPending;
    jsMsgMetaData_Destroy(meta);
  }
  natsMsg_Destroy(msg);
  return out;
}

}  // namespace gwtape::stream
