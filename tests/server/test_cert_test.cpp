// make_self_signed_cert: what the certificate says, read back with OpenSSL.
#include "gwtape/server/test_cert.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <cstdio>
#include <filesystem>
#include <string>

TEST_CASE("the self-signed certificate names 127.0.0.1 and localhost", "[server][cert]") {
  std::string dir = (std::filesystem::temp_directory_path() / "gwtape-cert-XXXXXX").string();
  REQUIRE(::mkdtemp(dir.data()) != nullptr);
  auto files = gwtape::server::make_self_signed_cert(dir);
  REQUIRE(files.ok());

  FILE* f = std::fopen(files->cert_path.c_str(), "r");
  REQUIRE(f != nullptr);
  X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  REQUIRE(x != nullptr);
  CHECK(X509_check_ip_asc(x, "127.0.0.1", 0) == 1);
  CHECK(X509_check_host(x, "localhost", 0, 0, nullptr) == 1);
  CHECK(X509_check_host(x, "example.com", 0, 0, nullptr) == 0);
  CHECK(X509_check_ca(x) >= 1);
  EVP_PKEY* pub = X509_get0_pubkey(x);
  REQUIRE(pub != nullptr);
  CHECK(X509_verify(x, pub) == 1);  // self-signed
  X509_free(x);

  FILE* k = std::fopen(files->key_path.c_str(), "r");
  REQUIRE(k != nullptr);
  EVP_PKEY* key = PEM_read_PrivateKey(k, nullptr, nullptr, nullptr);
  std::fclose(k);
  CHECK(key != nullptr);
  EVP_PKEY_free(key);

  CHECK(gwtape::server::make_self_signed_cert(dir + "/missing").error().code ==
        gwtape::server::Errc::kIo);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}
