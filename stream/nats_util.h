// stream/nats_util.h — what the stream module's two libnats users (JetStream, IdentifyLease)
// share: libnats' words for a failure, and the options of a connection that waits out outages.
// Private to the stream module.
//
// Thread-safety: nats_text reads libnats' thread-local last error. Lifetimes: the options
// returned are the caller's to destroy (natsOptions_Destroy), on failure too when set.
#pragma once

#include <nats/nats.h>

#include <cstdint>
#include <string>
#include <vector>

namespace gwtape::stream::detail {

// libnats' own words for a failure: its thread-local last error, else the status text.
std::string nats_text(natsStatus s);

// "nats://a:1,nats://b:2", for messages.
std::string join_urls(const std::vector<std::string>& urls);

// Options for a connection to `urls` that keeps trying every server, forever, in the
// background, `reconnect_wait_ms` apart: an outage is waited out. With a connected callback
// the first natsConnection_Connect returns at once (NATS_NOT_YET_CONNECTED) instead of
// blocking until a server answers.
natsStatus background_options(natsOptions** out, const std::vector<std::string>& urls,
                              std::int64_t reconnect_wait_ms, std::int64_t timeout_ms);

}  // namespace gwtape::stream::detail
