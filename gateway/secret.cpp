#include "gwtape/gateway/secret.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <utility>

namespace gwtape::gateway {

namespace {

std::size_t page_size() {
  static const std::size_t size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

// explicit_bzero: a wipe the compiler may not drop because the memory is freed next.
void wipe(char* p, std::size_t n) {
  if (p != nullptr && n > 0) ::explicit_bzero(p, n);
}

}  // namespace

Secret::Secret(std::string_view text) { append(text); }

Secret::Secret(Secret&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      mapped_(std::exchange(other.mapped_, 0)) {}

Secret& Secret::operator=(const Secret& other) {
  if (this != &other) {
    clear();
    append(other.view());
  }
  return *this;
}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    mapped_ = std::exchange(other.mapped_, 0);
  }
  return *this;
}

Secret::~Secret() { release(); }

void Secret::release() {
  if (data_ == nullptr) return;
  wipe(data_, mapped_);
  ::munlock(data_, mapped_);
  ::munmap(data_, mapped_);
  data_ = nullptr;
  size_ = 0;
  mapped_ = 0;
}

// A fresh mapping of at least `bytes` (whole pages; `*mapped` says how many bytes).
char* Secret::map(std::size_t bytes, std::size_t* mapped) {
  const std::size_t page = page_size();
  *mapped = (bytes + page - 1) / page * page;
  void* p = ::mmap(nullptr, *mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  // Out of core dumps (the point); out of swap where RLIMIT_MEMLOCK allows (best effort).
  ::madvise(p, *mapped, MADV_DONTDUMP);
  ::mlock(p, *mapped);
  return static_cast<char*>(p);
}

void Secret::append(std::string_view text) {
  if (text.empty()) return;
  const std::size_t size = size_ + text.size();
  if (size + 1 <= mapped_) {
    std::memmove(data_ + size_, text.data(), text.size());
  } else {
    // Both copies before the old pages go: `text` may be a view of them.
    std::size_t mapped = 0;
    char* fresh = map(std::max(size, 2 * size_) + 1, &mapped);
    if (size_ > 0) std::memcpy(fresh, data_, size_);
    std::memcpy(fresh + size_, text.data(), text.size());
    release();
    data_ = fresh;
    mapped_ = mapped;
  }
  size_ = size;
  data_[size_] = '\0';
}

void Secret::clear() {
  wipe(data_, size_);
  size_ = 0;
}

}  // namespace gwtape::gateway
