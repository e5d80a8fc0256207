#include "gwtape/server/test_cert.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>

namespace gwtape::server {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct FileClose {
  void operator()(FILE* f) const { std::fclose(f); }
};

// The first queued OpenSSL error, for the message.
std::string openssl_error(const std::string& what) {
  unsigned long e = ERR_get_error();
  char buf[256] = "unknown error";
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return "test certificate: " + what + ": " + buf;
}

bool add_ext(X509* x, X509V3_CTX* ctx, int nid, const char* value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value);
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(x, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// Opens `path` for writing with `mode` (the key must not be world-readable).
std::unique_ptr<FILE, FileClose> open_for_write(const std::string& path, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return nullptr;
  FILE* f = ::fdopen(fd, "wb");
  if (f == nullptr) ::close(fd);
  return std::unique_ptr<FILE, FileClose>(f);
}

}  // namespace

Result<CertFiles> make_self_signed_cert(const std::string& dir) {
  std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return make_error(Errc::kTls, openssl_error("EC P-256 key"));
  std::unique_ptr<X509, X509Free> x(X509_new());
  if (!x) return make_error(Errc::kTls, openssl_error("X509_new"));

  std::uint64_t serial = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial) != 1) {
    return make_error(Errc::kTls, openssl_error("serial number"));
  }
  serial = (serial >> 1) | 1;  // positive, non-zero
  X509_NAME* name = X509_get_subject_name(x.get());
  bool ok = X509_set_version(x.get(), X509_VERSION_3) == 1 &&
            ASN1_INTEGER_set_uint64(X509_get_serialNumber(x.get()), serial) == 1 &&
            X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600) != nullptr &&
            X509_gmtime_adj(X509_getm_notAfter(x.get()), 24 * 3600) != nullptr &&
            X509_set_pubkey(x.get(), key.get()) == 1 &&
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                       reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1,
                                       0) == 1 &&
            X509_set_issuer_name(x.get(), name) == 1;
  if (!ok) return make_error(Errc::kTls, openssl_error("certificate fields"));

  X509V3_CTX ctx;
  std::memset(&ctx, 0, sizeof ctx);
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
  ok = add_ext(x.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE") &&
       add_ext(x.get(), &ctx, NID_key_usage, "critical,digitalSignature,keyCertSign") &&
       add_ext(x.get(), &ctx, NID_ext_key_usage, "serverAuth") &&
       add_ext(x.get(), &ctx, NID_subject_key_identifier, "hash") &&
       add_ext(x.get(), &ctx, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  if (!ok) return make_error(Errc::kTls, openssl_error("certificate extensions"));
  if (X509_sign(x.get(), key.get(), EVP_sha256()) == 0) {
    return make_error(Errc::kTls, openssl_error("signing"));
  }

  CertFiles out{dir + "/cert.pem", dir + "/key.pem"};
  {
    auto f = open_for_write(out.key_path, 0600);
    if (!f) return make_error(Errc::kIo, "test certificate: cannot write " + out.key_path);
    if (PEM_write_PrivateKey(f.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
        std::fflush(f.get()) != 0) {
      return make_error(Errc::kIo, openssl_error("writing " + out.key_path));
    }
  }
  {
    auto f = open_for_write(out.cert_path, 0644);
    if (!f) return make_error(Errc::kIo, "test certificate: cannot write " + out.cert_path);
    if (PEM_write_X509(f.get(), x.get()) != 1 || std::fflush(f.get()) != 0) {
      return make_error(Errc::kIo, openssl_error("writing " + out.cert_path));
    }
  }
  return out;
}

}  // namespace gwtape::server
