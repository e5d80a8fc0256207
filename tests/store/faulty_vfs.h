// tests/store/faulty_vfs.h — a SQLite VFS that fails the N-th write, sync or lock, for
// fail-at-N tests of the writer (LevelDB's and Beast's habit: rerun with failure point N for
// N = 0, 1, 2, ... so every failure point is exercised).
//
// It wraps the default VFS under the name "faulty". Operations counted: xWrite, xTruncate,
// xSync (mode kFull, kIoErr) or xLock, xShmLock (mode kBusy), on every file SQLite opens
// through it (database, WAL, shared memory). Thread-safety: the counters are atomic.
#pragma once

#include <cstdint>

namespace gwtape::store::testing {

enum class Fault { kFull, kIoErr, kBusy };

// Registers the "faulty" VFS (once) and disarms it.
void install_faulty_vfs();
// From now on the `fail_at`-th counted operation (0-based) fails, and with `sticky` every one
// after it too (a disk that stays full).
void arm_faulty_vfs(std::int64_t fail_at, Fault fault, bool sticky);
void disarm_faulty_vfs();
// Counted operations since the last arm.
std::int64_t faulty_vfs_operations();
// Operations that were failed since the last arm.
std::int64_t faulty_vfs_failures();

}  // namespace gwtape::store::testing
