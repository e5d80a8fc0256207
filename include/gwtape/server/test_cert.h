// gwtape/server/test_cert.h — a self-signed TLS certificate made at run time, for wss:// tests.
//
// `make_self_signed_cert(dir)` writes `dir/cert.pem` and `dir/key.pem`: a fresh P-256 key and
// an X.509 v3 certificate for CN=127.0.0.1 with subjectAltName IP:127.0.0.1 and
// DNS:localhost, valid from an hour ago for a day, CA:TRUE, so that a client given cert.pem as
// its CA file verifies the loopback gateway (LoopbackOptions::cert_file / key_file) by name.
// Made with OpenSSL's C API; no `openssl` program and no files in the repository.
//
// Thread-safety: safe from any thread (distinct dirs). Lifetimes: the files stay until the
// caller removes them.
#pragma once

#include <string>

#include "gwtape/server/errors.h"

namespace gwtape::server {

struct CertFiles {
  std::string cert_path;  // PEM certificate; also the CA file clients verify with
  std::string key_path;   // PEM private key (PKCS#8), mode 0600
};

// REQUIRES: `dir` exists and is writable. Errors: kTls (key or certificate creation),
// kIo (writing the files).
Result<CertFiles> make_self_signed_cert(const std::string& dir);

}  // namespace gwtape::server
