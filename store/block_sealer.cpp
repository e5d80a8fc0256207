// store/block_sealer.cpp — dictionary training and block compression off the writer thread.
#include "block_sealer.h"

#include <utility>

namespace gwtape::store {
namespace {

// Frames larger than this are not used as dictionary samples (they would dominate training).
constexpr std::size_t kMaxSampleBytes = 64 << 10;
// Training is retried with twice the samples when ZDICT finds too few, up to this many.
constexpr std::size_t kMaxTrainFrames = 1 << 16;
// Blocks kept for resealing once the first dictionary is trained, at most this much text.
constexpr std::size_t kMaxEarlyBytes = 64 << 20;

}  // namespace

BlockSealer::BlockSealer(const WriterOptions& options, std::int64_t dict_id, std::string_view dict)
    : options_(options), compressor_(options.zstd_level), dict_id_(dict_id) {
  if (dict_id != 0) {
    init_ = compressor_.set_dictionary(dict);
  } else if (options.dict_bytes > 0) {
    train_at_ = options.dict_train_frames;
  }
  thread_ = std::thread([this] { run(); });
}

BlockSealer::~BlockSealer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_.notify_one();
  thread_.join();
}

void BlockSealer::submit(std::int64_t first, std::vector<std::string> texts) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(Job{first, std::move(texts)});
    ++unfinished_;
  }
  work_.notify_one();
}

std::vector<SealedBlock> BlockSealer::take(bool all, std::size_t max_in_flight) {
  std::unique_lock<std::mutex> lock(mu_);
  done_.wait(lock, [&] { return all ? unfinished_ == 0 : unfinished_ <= max_in_flight; });
  std::vector<SealedBlock> out(std::make_move_iterator(results_.begin()),
                               std::make_move_iterator(results_.end()));
  results_.clear();
  return out;
}

void BlockSealer::run() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, nothing left
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    SealedBlock sealed = seal(job);
    {
      std::lock_guard<std::mutex> lock(mu_);
      results_.push_back(std::move(sealed));
      --unfinished_;
    }
    done_.notify_one();
  }
}

SealedBlock BlockSealer::seal(Job& job) {
  SealedBlock out;
  out.first = job.first;
  out.count = static_cast<std::int64_t>(job.texts.size());
  if (!init_) {
    out.status = init_;
    return out;
  }
  auto use = [&](std::string dict) -> Status {
    if (auto st = compressor_.set_dictionary(dict); !st) return st;
    ++dict_id_;
    since_train_ = 0;
    out.new_dict = std::move(dict);
    return {};
  };
  if (train_at_ > 0) {
    for (const auto& t : job.texts)
      if (!t.empty() && t.size() <= kMaxSampleBytes) samples_.push_back(t);
    if (samples_.size() >= train_at_) {
      auto dict = train_dictionary(samples_, options_.dict_bytes);
      if (dict) {
        out.status = use(std::move(*dict));
        if (!out.status) return out;
        samples_ = {};
        train_at_ = 0;
        // The blocks before it, again with it.
        for (Job& early : early_) {
          std::vector<std::string_view> views(early.texts.begin(), early.texts.end());
          auto data = compressor_.compress_block(views);
          if (!data) {
            out.status = std::move(data).error();
            return out;
          }
          SealedBlock r;
          r.first = early.first;
          r.count = static_cast<std::int64_t>(early.texts.size());
          r.dict_id = dict_id_;
          r.data = std::move(*data);
          out.resealed.push_back(std::move(r));
        }
        early_ = {};
      } else {
        // Too few or too uniform samples: try again with more, up to a bound.
        train_at_ = train_at_ * 2 <= kMaxTrainFrames ? train_at_ * 2 : 0;
        if (train_at_ == 0) samples_ = {};
      }
    }
  } else if (dict_id_ != 0 && options_.dict_retrain_frames > 0 && options_.dict_bytes > 0) {
    for (const auto& t : job.texts) {
      if (t.empty() || t.size() > kMaxSampleBytes) continue;
      recent_.push_back(t);
      if (recent_.size() > options_.dict_train_frames) recent_.pop_front();
    }
    since_train_ += job.texts.size();
    if (since_train_ >= options_.dict_retrain_frames && !recent_.empty()) {
      std::vector<std::string> samples(recent_.begin(), recent_.end());
      auto dict = train_dictionary(samples, options_.dict_bytes);
      if (dict) {
        out.status = use(std::move(*dict));
        if (!out.status) return out;
      } else {
        since_train_ = 0;
      }
    }
  }
  std::vector<std::string_view> views(job.texts.begin(), job.texts.end());
  auto data = compressor_.compress_block(views);
  if (!data) {
    out.status = std::move(data).error();
    return out;
  }
  out.dict_id = dict_id_;
  out.data = std::move(*data);
  if (dict_id_ == 0 && train_at_ > 0 && options_.reseal_early_blocks) {
    std::size_t bytes = 0;
    for (const auto& t : job.texts) bytes += t.size();
    if (early_bytes_ + bytes <= kMaxEarlyBytes) {
      early_bytes_ += bytes;
      early_.push_back(std::move(job));
    }
  }
  return out;
}

}  // namespace gwtape::store
