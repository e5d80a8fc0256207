#include "curl_global.h"

#include <curl/curl.h>
#include <malloc.h>
#include <string.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

namespace gwtape::gateway::detail {

namespace {

void* wiping_malloc(size_t n) { return std::malloc(n); }
void* wiping_calloc(size_t count, size_t n) { return std::calloc(count, n); }
char* wiping_strdup(const char* s) { return ::strdup(s); }

void wiping_free(void* p) {
  if (p == nullptr) return;
  ::explicit_bzero(p, ::malloc_usable_size(p));
  std::free(p);
}

// A new block, the old one copied, wiped and freed: realloc would leave the old bytes behind.
void* wiping_realloc(void* p, size_t n) {
  if (p == nullptr) return std::malloc(n);
  const size_t old = ::malloc_usable_size(p);
  if (n != 0 && n <= old) return p;
  void* fresh = std::malloc(n == 0 ? 1 : n);
  if (fresh == nullptr) return nullptr;
  std::memcpy(fresh, p, n < old ? n : old);
  wiping_free(p);
  return fresh;
}

}  // namespace

void curl_global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    curl_global_init_mem(CURL_GLOBAL_DEFAULT, wiping_malloc, wiping_free, wiping_realloc,
                         wiping_strdup, wiping_calloc);
  });
}

}  // namespace gwtape::gateway::detail
