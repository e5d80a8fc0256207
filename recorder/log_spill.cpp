#include "log_spill.h"

#include "gwtape/store/log_reader.h"
#include "gwtape/stream/message.h"

namespace gwtape::recorder {

void LogSpill::connection_end(std::uint64_t seq, store::ConnectionEnd end) {
  std::lock_guard lock(mu_);
  ends_.emplace(seq, std::move(end));
}

std::uint64_t LogSpill::ordinal(std::uint64_t seq) const {
  const auto ends_before =
      static_cast<std::uint64_t>(std::distance(ends_.begin(), ends_.lower_bound(seq)));
  return seq - 1 - ends_before;
}

stream::Result<std::vector<stream::Message>> LogSpill::read(std::uint64_t from, std::uint64_t to,
                                                            std::size_t max_bytes) {
  // Whatever was appended before is committed (after close() the writer has committed it all
  // and says kClosed; a failed writer's missing frames are found missing below).
  (void)writer_.flush();
  std::lock_guard lock(mu_);
  auto fail = [&](const std::string& what) {
    return make_error(stream::Errc::kClosed,
                      path_ + ": recording " + std::to_string(key_.recording) + ": " + what);
  };
  auto reader = store::LogReader::open(path_);
  if (!reader) return fail(reader.error().message);
  std::unique_ptr<store::FrameCursor> cursor;
  std::vector<stream::Message> out;
  std::size_t bytes = 0;
  for (std::uint64_t seq = from; seq <= to && (out.empty() || bytes < max_bytes); ++seq) {
    if (auto end = ends_.find(seq); end != ends_.end()) {
      out.push_back(stream::encode_connection_end(key_, seq, end->second));
      bytes += end->second.reason.size();
      continue;
    }
    const std::uint64_t want = ordinal(seq);
    if (!cursor) {
      if (want < next_ordinal_) {  // going back: from the recording's first frame
        next_ordinal_ = 0;
        next_id_ = 1;
      }
      store::FrameQuery q;
      q.recording_id = key_.recording;
      q.from_id = next_id_;
      q.names = false;
      auto opened = (*reader)->frames(q);
      if (!opened) return fail(opened.error().message);
      cursor = std::move(*opened);
    }
    for (; next_ordinal_ <= want; ++next_ordinal_) {
      auto more = cursor->next();
      if (!more) return fail(more.error().message);
      if (!*more) {
        return fail("message " + std::to_string(seq) + " (frame " + std::to_string(want + 1) +
                    " of the recording) is not in the log");
      }
      next_id_ = cursor->frame().id + 1;
    }
    const store::StoredFrame& f = cursor->frame();
    store::Frame frame;
    frame.recording_id = f.recording_id;
    frame.conn = f.conn;
    frame.ts_ns = f.ts_ns;
    frame.direction = f.direction;
    frame.text = f.text;
    bytes += frame.text.size();
    out.push_back(stream::encode_frame(key_, seq, frame));
  }
  return out;
}

}  // namespace gwtape::recorder
