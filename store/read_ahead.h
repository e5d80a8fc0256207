// store/read_ahead.h — private: the thread behind a cursor opened with FrameQuery::read_ahead.
//
// A worker thread runs the same scan with a plain cursor of its own, on a connection of its
// own, and hands the frames over in batches through a short queue, so that reading and
// decompressing the log overlap the caller's work on the frames. What next() returns is
// exactly what the plain cursor returns: the same frames in the same order, each error in its
// place, and the scan goes on after a corrupt frame as the plain cursor's does.
//
// Memory: at most kBatches batches of kBatchFrames frames (and about kBatchBytes of text) are
// in flight; an item that once held a frame larger than kKeepCapacity gives the buffer back
// before it is reused, so a few huge frames do not stay resident.
//
// Thread-safety: next() and frame() from one thread, the cursor's owner; the worker is
// private. Lifetimes: the destructor stops and joins the worker, also mid-scan.
#pragma once

#include <array>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gwtape/store/log_reader.h"

namespace gwtape::store {

class ReadAhead {
 public:
  static constexpr std::size_t kBatches = 4;
  static constexpr std::size_t kBatchFrames = 256;
  static constexpr std::size_t kBatchBytes = 1 << 20;
  static constexpr std::size_t kKeepCapacity = 16 << 10;

  // Opens `path` again and starts the scan of `query` (its read_ahead is ignored). Errors:
  // LogReader::open's and frames()'s, before any thread starts.
  static Result<std::unique_ptr<ReadAhead>> start(const std::string& path, FrameQuery query);
  ~ReadAhead();
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  // As FrameCursor::next() and frame().
  Result<bool> next();
  const StoredFrame& frame() const { return *frame_; }

 private:
  struct Item {
    StoredFrame frame;
    std::optional<Error> error;  // set: this item is the cursor's error, not a frame
  };
  struct Batch {
    std::vector<Item> items;
    std::size_t count = 0;  // items in use
    bool end = false;       // the scan ended after these items
  };

  ReadAhead(std::unique_ptr<LogReader> reader, std::unique_ptr<FrameCursor> cursor);
  void work();
  Batch* take_free();        // worker side; nullptr once stopping
  void publish(Batch* b);    // worker side
  Batch* take_full();        // owner side; waits
  void give_back(Batch* b);  // owner side

  std::unique_ptr<LogReader> reader_;  // used by the worker only
  std::unique_ptr<FrameCursor> cursor_;

  std::array<Batch, kBatches> batches_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<Batch*> full_;  // in scan order
  std::vector<Batch*> free_;
  bool stopping_ = false;

  Batch* current_ = nullptr;  // the owner's
  std::size_t pos_ = 0;
  const StoredFrame* frame_ = nullptr;
  std::thread worker_;  // last: started once everything above exists
};

}  // namespace gwtape::store
