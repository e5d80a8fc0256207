// store/wal_syncer.h — syncs the WAL file to disk off the writer thread.
//
// In the default durability mode the writer's connection commits with synchronous=NORMAL (the
// WAL is written, not synced: a process crash loses nothing) and asks the syncer to fdatasync
// the WAL right after each commit, so a power cut loses at most what was committed since the
// previous sync — the same bound as syncing inside COMMIT, without stalling the writer thread
// for the disk. SQLite's WAL recovery keeps only the checksummed prefix of frames, so an
// unsynced tail is dropped whole, never half-applied.
//
// Thread-safety: request/status from one thread (the writer's). Lifetimes: the destructor
// performs a last sync and joins.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "gwtape/store/errors.h"

namespace gwtape::store {

class WalSyncer {
 public:
  explicit WalSyncer(std::string wal_path);
  ~WalSyncer();
  WalSyncer(const WalSyncer&) = delete;
  WalSyncer& operator=(const WalSyncer&) = delete;

  // Asks for a sync of everything written to the WAL so far; returns at once.
  void request();
  // The first sync failure, if any.
  Status status();

 private:
  void run();

  std::string wal_path_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool requested_ = false, stop_ = false;
  Status status_;
  std::thread thread_;
};

}  // namespace gwtape::store
