// store/block_sealer.h — compresses sealed blocks on a thread of its own.
//
// The writer thread decides where blocks end and hands their frames over; the sealer samples
// frames for the dictionary, trains it once it has enough (ZDICT), and compresses each block
// with the newest dictionary. Results come back in submission order, a newly trained
// dictionary attached to the first block that uses it, so the writer stores the dictionary
// before that block. This keeps zstd off the writer thread, which parses and writes rows.
//
// Thread-safety: submit/take/wait are called by one thread (the writer's); the work runs on the
// sealer's own thread. Lifetimes: the destructor finishes queued work and joins the thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "codec.h"
#include "gwtape/store/errors.h"
#include "gwtape/store/log_writer.h"

namespace gwtape::store {

struct SealedBlock {
  std::int64_t first = 0;
  std::int64_t count = 0;
  std::int64_t dict_id = 0;  // 0: compressed without a dictionary
  std::string data;
  std::optional<std::string> new_dict;  // trained just before this block: store it first
  // With the first dictionary: the blocks sealed before it, compressed again with it (first,
  // count, dict_id, data set): rewrite their rows after storing the dictionary.
  std::vector<SealedBlock> resealed;
  Status status;  // an error stops the writer
};

class BlockSealer {
 public:
  // `dict_id`/`dict`: the log's newest dictionary (0 and empty when it has none); training is
  // attempted only when there is none and options.dict_bytes > 0.
  BlockSealer(const WriterOptions& options, std::int64_t dict_id, std::string_view dict);
  ~BlockSealer();
  BlockSealer(const BlockSealer&) = delete;
  BlockSealer& operator=(const BlockSealer&) = delete;

  // Queues frames first, first+1, ... as one block.
  void submit(std::int64_t first, std::vector<std::string> texts);
  // Finished blocks, oldest first. With `all`, waits until every submitted block is finished;
  // otherwise waits only while more than `max_in_flight` are unfinished.
  std::vector<SealedBlock> take(bool all, std::size_t max_in_flight = 4);

 private:
  struct Job {
    std::int64_t first;
    std::vector<std::string> texts;
  };
  void run();
  SealedBlock seal(Job& job);

  WriterOptions options_;
  BlockCompressor compressor_;
  std::int64_t dict_id_;
  Status init_;                       // loading the log's dictionary failed: every block fails
  std::vector<std::string> samples_;  // sealer thread only
  std::size_t train_at_ = 0;
  std::vector<Job> early_;  // blocks sealed without a dictionary, to reseal once trained
  std::size_t early_bytes_ = 0;
  std::deque<std::string> recent_;  // retraining: the last dict_train_frames samples
  std::size_t since_train_ = 0;     // frames sealed since the last training

  std::mutex mu_;
  std::condition_variable work_, done_;
  std::deque<Job> jobs_;
  std::deque<SealedBlock> results_;
  std::size_t unfinished_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace gwtape::store
