// store/wal_syncer.cpp — fdatasync of the -wal file on a thread of its own.
#include "wal_syncer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace gwtape::store {

WalSyncer::WalSyncer(std::string wal_path) : wal_path_(std::move(wal_path)) {
  thread_ = std::thread([this] { run(); });
}

WalSyncer::~WalSyncer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void WalSyncer::request() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    requested_ = true;
  }
  cv_.notify_one();
}

Status WalSyncer::status() {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

void WalSyncer::run() {
  // The WAL is a file of its own (SQLite takes no POSIX locks on it), so this descriptor cannot
  // disturb the locks SQLite holds on the database file.
  int fd = -1;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return requested_ || stop_; });
      if (!requested_ && stop_) break;
      requested_ = false;
    }
    if (fd < 0) fd = ::open(wal_path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;  // no WAL yet: nothing to sync
    if (::fdatasync(fd) != 0) {
      std::lock_guard<std::mutex> lock(mu_);
      if (status_) {
        status_ = make_error(Errc::kIo, wal_path_ + ": fdatasync: " + std::strerror(errno));
      }
    }
  }
  if (fd >= 0) ::close(fd);
}

}  // namespace gwtape::store
