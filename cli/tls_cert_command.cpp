// `mugai tls-cert --cert C --key K [--host NAME] [--days N]`: writes a
// self-signed certificate (EC P-256, SHA-256, subjectAltName = the host)
// and its private key (mode 0600) for mugaid's STARTTLS in a demo or a
// test. Production installs use a certificate from the site's CA.
#include "cli/tls_cert_command.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iostream>
#include <cstring>
#include <functional>
#include <memory>

#include "cli/exit_codes.h"

namespace mugai::cli {
namespace {

struct TlsOptions {
  std::string cert, key, host;
  int days = 365;
};

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

bool writePem(const std::string& path, mode_t mode, const std::function<int(FILE*)>& write) {
  ::unlink(path.c_str());
  FILE* f = std::fopen(path.c_str(), "wx");
  if (!f) return false;
  ::fchmod(::fileno(f), mode);
  bool ok = write(f) == 1;
  return std::fclose(f) == 0 && ok;
}

int runTlsCert(const TlsOptions& o) {
  std::string host = o.host;
  if (host.empty()) {
    char h[256] = "localhost";
    ::gethostname(h, sizeof h - 1);
    host = h;
  }
  PkeyPtr key(EVP_EC_gen("P-256"));
  X509Ptr x(X509_new());
  if (!key || !x) return kInternal;
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7F;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x.get()));
  BN_free(bn);
  X509_set_version(x.get(), 2);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), static_cast<long>(o.days) * 86400);
  X509_set_pubkey(x.get(), key.get());
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(host.c_str()), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("mugai self-signed"), -1, -1, 0);
  X509_set_issuer_name(x.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
  std::string san = "DNS:" + host;
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str()));
  if (!ext || !X509_add_ext(x.get(), ext.get(), -1) || !X509_sign(x.get(), key.get(), EVP_sha256())) {
    std::cerr << "mugai: cannot make the certificate for \"" << host << "\"\n";
    return kInternal;
  }
  if (!writePem(o.key, 0600, [&](FILE* f) { return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr); }) ||
      !writePem(o.cert, 0644, [&](FILE* f) { return PEM_write_X509(f, x.get()); })) {
    std::cerr << "mugai: cannot write " << o.cert << " / " << o.key << ": " << std::strerror(errno) << "\n";
    return kOutputError;
  }
  std::cout << "wrote " << o.cert << " (self-signed for " << host << ", " << o.days << " days) and " << o.key
            << " (0600)\nuse them in [daemon] tls_cert / tls_key (自己署名証明書を作成しました)\n";
  return kUnchanged;
}

}  // namespace

void addTlsCertCommand(CLI::App& app, int& exitCode) {
  auto o = std::make_shared<TlsOptions>();
  CLI::App* cmd = app.add_subcommand("tls-cert", "Make a self-signed certificate for mugaid's STARTTLS (demo/test)");
  cmd->add_option("--cert", o->cert, "Certificate file to write (PEM)")->required();
  cmd->add_option("--key", o->key, "Private key file to write (PEM, mode 0600)")->required();
  cmd->add_option("--host", o->host, "Host name (CN and subjectAltName; default: this machine's name)");
  cmd->add_option("--days", o->days, "Validity in days (default 365)")->check(CLI::Range(1, 3650));
  cmd->callback([o, &exitCode] { exitCode = runTlsCert(*o); });
}

}  // namespace mugai::cli
