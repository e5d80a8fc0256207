// gwtape/stream/errors.h — the stream module's error codes (NATS JetStream).
//
// Every fallible function of the stream module returns `stream::Result<T>` or `stream::Status`.
// libnats statuses and JetStream error codes are converted where they happen, and the message
// names the servers, the stream or the subject involved ("nats://127.0.0.1:4222: stream
// GWTAPE: insufficient resources").
//
// Thread-safety: plain values. Lifetimes: `errc_name` returns static strings.
#pragma once

#include <string_view>

#include "gwtape/common/result.h"

namespace gwtape::stream {

enum class Errc {
  kInvalidArgument = 1,  // a URL, stream name, subject or number out of its domain
  kUnreachable,          // no server of the list answered (yet)
  kStream,               // the stream could not be found, created, or is of another shape
  kPublish,              // JetStream refused a message or did not acknowledge it in time
  kSpoolFull,            // the local spool is full while JetStream does not acknowledge
  kBadMessage,           // a message read back lacks a header gwtape writes, or has a bad one
  kTimeout,              // a read waited longer than it was allowed to
  kClosed,               // the publisher is closed, or stopped after an earlier error
};

// A short, stable English description of a code ("unreachable", "spool full", ...).
std::string_view errc_name(Errc code);

template <class T>
using Result = gwtape::Result<T, Errc>;
using Status = gwtape::Result<void, Errc>;
using Error = gwtape::Error<Errc>;

}  // namespace gwtape::stream
