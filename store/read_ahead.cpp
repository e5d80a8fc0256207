// store/read_ahead.cpp — a cursor's read-ahead thread and its batch queue.
#include "read_ahead.h"

#include <utility>

namespace gwtape::store {
namespace {

// Copies a frame into a recycled one, keeping the padding the reader promises.
void copy_frame(const StoredFrame& from, StoredFrame& to) {
  to.id = from.id;
  to.recording_id = from.recording_id;
  to.conn = from.conn;
  to.ts_ns = from.ts_ns;
  to.direction = from.direction;
  to.op = from.op;
  to.s = from.s;
  to.t = from.t;
  to.guild_id = from.guild_id;
  to.channel_id = from.channel_id;
  if (to.text.capacity() > ReadAhead::kKeepCapacity) std::string().swap(to.text);
  to.text.reserve(from.text.size() + kTextPadding);
  to.text.assign(from.text);
}

}  // namespace

Result<std::unique_ptr<ReadAhead>> ReadAhead::start(const std::string& path, FrameQuery query) {
  auto reader = LogReader::open(path);
  if (!reader) return std::move(reader).error();
  query.read_ahead = false;
  auto cursor = (*reader)->frames(query);
  if (!cursor) return std::move(cursor).error();
  return std::unique_ptr<ReadAhead>(new ReadAhead(std::move(*reader), std::move(*cursor)));
}

ReadAhead::ReadAhead(std::unique_ptr<LogReader> reader, std::unique_ptr<FrameCursor> cursor)
    : reader_(std::move(reader)), cursor_(std::move(cursor)) {
  for (Batch& b : batches_) free_.push_back(&b);
  worker_ = std::thread([this] { work(); });
}

ReadAhead::~ReadAhead() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  worker_.join();
}

void ReadAhead::work() {
  Batch* b = take_free();
  std::size_t bytes = 0;
  while (b != nullptr) {
    auto more = cursor_->next();
    if (more.ok() && !*more) {
      b->end = true;
      publish(b);
      return;
    }
    if (b->count == b->items.size()) b->items.emplace_back();
    Item& item = b->items[b->count++];
    if (more.ok()) {
      item.error.reset();
      copy_frame(cursor_->frame(), item.frame);
      bytes += item.frame.text.size();
    } else {
      item.error = std::move(more).error();
    }
    if (b->count == kBatchFrames || bytes >= kBatchBytes) {
      publish(b);
      b = take_free();
      bytes = 0;
    }
  }
}

ReadAhead::Batch* ReadAhead::take_free() {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [this] { return stopping_ || !free_.empty(); });
  if (stopping_) return nullptr;
  Batch* b = free_.back();
  free_.pop_back();
  b->count = 0;
  b->end = false;
  return b;
}

void ReadAhead::publish(Batch* b) {
  {
    std::lock_guard lock(mu_);
    full_.push_back(b);
  }
  changed_.notify_all();
}

ReadAhead::Batch* ReadAhead::take_full() {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [this] { return !full_.empty(); });
  Batch* b = full_.front();
  full_.pop_front();
  return b;
}

void ReadAhead::give_back(Batch* b) {
  {
    std::lock_guard lock(mu_);
    free_.push_back(b);
  }
  changed_.notify_all();
}

Result<bool> ReadAhead::next() {
  for (;;) {
    if (current_ != nullptr) {
      if (pos_ < current_->count) {
        Item& item = current_->items[pos_++];
        if (item.error) return *item.error;
        frame_ = &item.frame;
        return true;
      }
      if (current_->end) return false;  // and stays at the end
      give_back(current_);
    }
    current_ = take_full();
    pos_ = 0;
  }
}

}  // namespace gwtape::store
