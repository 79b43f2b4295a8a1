#include "archived/crypto/crypto.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "archived/base/status_macros.h"
#include "archived/crypto/internal/openssl_error.h"

namespace archived::crypto {

Status internal::OpenSslError(std::string_view operation) {
  std::string message(operation);
  unsigned long code = 0;
  bool first = true;
  while ((code = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    message += first ? ": " : "; ";
    message += buf;
    first = false;
  }
  return InternalError(message);
}

namespace {

using internal::OpenSslError;

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* MutableBytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

// OpenSSL 3 looks an algorithm up by name, under a lock, every time a context is set up
// with one of the legacy objects (EVP_sha256(), EVP_aes_256_gcm()): 2% of the I/O thread's
// time when filing small documents. The algorithms are fetched once, here, and kept.
const EVP_MD* Sha256Algorithm() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  ARCHIVED_CHECK(md != nullptr);
  return md;
}
const EVP_CIPHER* Aes256GcmAlgorithm() {
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  ARCHIVED_CHECK(cipher != nullptr);
  return cipher;
}
const EVP_CIPHER* Aes256WrapPadAlgorithm() {
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-WRAP-PAD", nullptr);
  ARCHIVED_CHECK(cipher != nullptr);
  return cipher;
}

}  // namespace

StatusOr<SecretKey> SecretKey::FromBytes(std::string_view bytes) {
  if (bytes.size() != kKeyBytes) {
    return InvalidArgumentError("a key must be 32 bytes");
  }
  SecretKey key;
  key.bytes_.assign(bytes);
  return key;
}

StatusOr<SecretKey> SecretKey::Generate() {
  ARCHIVED_ASSIGN_OR_RETURN(std::vector<SecretKey> keys, GenerateMany(1));
  return std::move(keys.front());
}

StatusOr<std::vector<SecretKey>> SecretKey::GenerateMany(std::size_t count) {
  ARCHIVED_ASSIGN_OR_RETURN(std::string bytes, RandomBytes(kKeyBytes * count));
  std::vector<SecretKey> keys;
  keys.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    SecretKey key;
    key.bytes_.assign(bytes, i * kKeyBytes, kKeyBytes);
    keys.push_back(std::move(key));
  }
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return keys;
}

SecretKey::SecretKey(SecretKey&& other) noexcept : bytes_(std::move(other.bytes_)) {
  other.bytes_.clear();
}

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
  if (this != &other) {
    OPENSSL_cleanse(bytes_.data(), bytes_.size());
    bytes_ = std::move(other.bytes_);
    other.bytes_.clear();
  }
  return *this;
}

SecretKey::~SecretKey() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

StatusOr<std::string> RandomBytes(std::size_t count) {
  std::string out(count, '\0');
  if (count > 0 && RAND_bytes(MutableBytes(out), static_cast<int>(count)) != 1) {
    return OpenSslError("generate random bytes");
  }
  return out;
}

StatusOr<std::string> Scrypt(std::string_view password, std::string_view salt, std::uint64_t n, std::uint32_t r,
                             std::uint32_t p, std::size_t bytes) {
  if (n < 2 || (n & (n - 1)) != 0 || r == 0 || p == 0 || bytes == 0) {
    return InvalidArgumentError("scrypt: n must be a power of two above 1; r, p and the length positive");
  }
  std::string out(bytes, '\0');
  // Room for the memory this n and r need, and no more.
  const std::uint64_t max_memory = 130 * n * r + (1u << 20);
  if (EVP_PBE_scrypt(password.data(), password.size(), reinterpret_cast<const unsigned char*>(salt.data()),
                     salt.size(), n, r, p, max_memory, MutableBytes(out), out.size()) != 1) {
    return OpenSslError("scrypt");
  }
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

struct Sha256::State {
  EVP_MD_CTX* ctx = nullptr;
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  state_->ctx = EVP_MD_CTX_new();
  ARCHIVED_CHECK(state_->ctx != nullptr);
  ARCHIVED_CHECK(EVP_DigestInit_ex(state_->ctx, Sha256Algorithm(), nullptr) == 1);
}

Sha256::~Sha256() { EVP_MD_CTX_free(state_->ctx); }

void Sha256::Update(std::string_view data) {
  ARCHIVED_CHECK(EVP_DigestUpdate(state_->ctx, data.data(), data.size()) == 1);
}

std::string Sha256::Finish() {
  std::string digest(kSha256Bytes, '\0');
  unsigned int length = 0;
  ARCHIVED_CHECK(EVP_DigestFinal_ex(state_->ctx, MutableBytes(digest), &length) == 1);
  ARCHIVED_CHECK_EQ(length, kSha256Bytes);
  return digest;
}

std::string Sha256Of(std::string_view data) {
  Sha256 hash;
  hash.Update(data);
  return hash.Finish();
}

Status SealAes256GcmInto(const SecretKey& key, std::string_view nonce, std::string_view plaintext,
                         std::string_view associated_data, std::string* out, std::size_t out_offset) {
  if (nonce.size() != kNonceBytes) {
    return InvalidArgumentError("a GCM nonce must be 12 bytes");
  }
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int length = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), Aes256GcmAlgorithm(), nullptr, Bytes(key.bytes()), Bytes(nonce)) != 1 ||
      (!associated_data.empty() &&
       EVP_EncryptUpdate(ctx.get(), nullptr, &length, Bytes(associated_data),
                         static_cast<int>(associated_data.size())) != 1)) {
    return OpenSslError("seal with AES-256-GCM");
  }
  out->resize(out_offset + plaintext.size() + kTagBytes);
  unsigned char* dest = MutableBytes(*out) + out_offset;
  int written = 0;
  if ((!plaintext.empty() && EVP_EncryptUpdate(ctx.get(), dest, &written, Bytes(plaintext),
                                               static_cast<int>(plaintext.size())) != 1) ||
      EVP_EncryptFinal_ex(ctx.get(), dest + written, &length) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, dest + plaintext.size()) <= 0) {
    return OpenSslError("seal with AES-256-GCM");
  }
  ARCHIVED_CHECK_EQ(static_cast<std::size_t>(written + length), plaintext.size());
  return OkStatus();
}

StatusOr<std::string> SealAes256Gcm(const SecretKey& key, std::string_view nonce,
                                    std::string_view plaintext, std::string_view associated_data) {
  std::string out;
  ARCHIVED_RETURN_IF_ERROR(SealAes256GcmInto(key, nonce, plaintext, associated_data, &out, 0));
  return out;
}

Status OpenAes256GcmInto(const SecretKey& key, std::string_view nonce, std::string_view sealed,
                         std::string_view associated_data, std::string* out) {
  out->clear();
  if (nonce.size() != kNonceBytes) {
    return InvalidArgumentError("a GCM nonce must be 12 bytes");
  }
  // The tag length is checked here, before OpenSSL sees it: OpenSSL 3.0 would accept a
  // 1-byte tag.
  if (sealed.size() < kTagBytes) {
    return DataLossError("sealed data is shorter than its authentication tag");
  }
  const std::string_view ciphertext = sealed.substr(0, sealed.size() - kTagBytes);
  std::string tag(sealed.substr(ciphertext.size()));
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int length = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), Aes256GcmAlgorithm(), nullptr, Bytes(key.bytes()), Bytes(nonce)) != 1 ||
      (!associated_data.empty() &&
       EVP_DecryptUpdate(ctx.get(), nullptr, &length, Bytes(associated_data),
                         static_cast<int>(associated_data.size())) != 1)) {
    return OpenSslError("open with AES-256-GCM");
  }
  out->resize(ciphertext.size());
  int written = 0;
  if ((!ciphertext.empty() && EVP_DecryptUpdate(ctx.get(), MutableBytes(*out), &written, Bytes(ciphertext),
                                                static_cast<int>(ciphertext.size())) != 1) ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) <= 0) {
    out->clear();
    return OpenSslError("open with AES-256-GCM");
  }
  // EVP_DecryptFinal_ex returns 0, not a negative value, when the tag does not match.
  if (EVP_DecryptFinal_ex(ctx.get(), MutableBytes(*out) + written, &length) != 1) {
    OPENSSL_cleanse(out->data(), out->size());
    out->clear();
    ERR_clear_error();
    return DataLossError("authentication failed: the data, key or context does not match");
  }
  return OkStatus();
}

StatusOr<std::string> OpenAes256Gcm(const SecretKey& key, std::string_view nonce,
                                    std::string_view sealed, std::string_view associated_data) {
  std::string out;
  ARCHIVED_RETURN_IF_ERROR(OpenAes256GcmInto(key, nonce, sealed, associated_data, &out));
  return out;
}

StatusOr<std::string> WrapKey(const SecretKey& kek, const SecretKey& key) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  // RFC 5649 output is the input rounded up to 8 bytes, plus 8.
  std::string out(key.bytes().size() + 16, '\0');
  int written = 0, length = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), Aes256WrapPadAlgorithm(), nullptr, Bytes(kek.bytes()), nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), MutableBytes(out), &written, Bytes(key.bytes()),
                        static_cast<int>(key.bytes().size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), MutableBytes(out) + written, &length) != 1) {
    return OpenSslError("wrap data key");
  }
  out.resize(static_cast<std::size_t>(written + length));
  return out;
}

StatusOr<SecretKey> UnwrapKey(const SecretKey& kek, std::string_view wrapped) {
  if (wrapped.size() < 16 || wrapped.size() > 64 || wrapped.size() % 8 != 0) {
    return DataLossError("wrapped key has an impossible length");
  }
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  std::string out(wrapped.size(), '\0');
  int written = 0, length = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), Aes256WrapPadAlgorithm(), nullptr, Bytes(kek.bytes()), nullptr) != 1) {
    return OpenSslError("unwrap data key");
  }
  if (EVP_DecryptUpdate(ctx.get(), MutableBytes(out), &written, Bytes(wrapped),
                        static_cast<int>(wrapped.size())) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), MutableBytes(out) + written, &length) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    ERR_clear_error();
    return DataLossError("unwrap data key: integrity check failed (wrong master key or tampered)");
  }
  out.resize(static_cast<std::size_t>(written + length));
  auto key = SecretKey::FromBytes(out);
  OPENSSL_cleanse(out.data(), out.size());
  if (!key.ok()) {
    return DataLossError("unwrap data key: unwrapped key has the wrong length");
  }
  return key;
}

StatusOr<std::string> HkdfSha256(std::string_view key, std::string_view salt, std::string_view info,
                                 std::size_t bytes) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr);
  std::string out(bytes, '\0');
  std::size_t length = bytes;
  const bool ok = ctx != nullptr && EVP_PKEY_derive_init(ctx) == 1 &&
                  EVP_PKEY_CTX_set_hkdf_md(ctx, Sha256Algorithm()) == 1 &&
                  EVP_PKEY_CTX_set1_hkdf_salt(ctx, reinterpret_cast<const unsigned char*>(salt.data()),
                                              static_cast<int>(salt.size())) == 1 &&
                  EVP_PKEY_CTX_set1_hkdf_key(ctx, reinterpret_cast<const unsigned char*>(key.data()),
                                             static_cast<int>(key.size())) == 1 &&
                  EVP_PKEY_CTX_add1_hkdf_info(ctx, reinterpret_cast<const unsigned char*>(info.data()),
                                              static_cast<int>(info.size())) == 1 &&
                  EVP_PKEY_derive(ctx, MutableBytes(out), &length) == 1 && length == bytes;
  EVP_PKEY_CTX_free(ctx);
  if (!ok) return OpenSslError("HKDF");
  return out;
}

struct Ed25519Key::State {
  EVP_PKEY* key = nullptr;
  ~State() { EVP_PKEY_free(key); }
};

StatusOr<Ed25519Key> Ed25519Key::FromSeed(std::string_view seed) {
  if (seed.size() != 32) return InvalidArgumentError("an Ed25519 seed is 32 bytes");
  Ed25519Key out;
  out.state_ = std::make_unique<State>();
  out.state_->key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                                 reinterpret_cast<const unsigned char*>(seed.data()), seed.size());
  if (out.state_->key == nullptr) return OpenSslError("make an Ed25519 key");
  return out;
}

Ed25519Key::Ed25519Key(Ed25519Key&&) noexcept = default;
Ed25519Key& Ed25519Key::operator=(Ed25519Key&&) noexcept = default;
Ed25519Key::~Ed25519Key() = default;

std::string Ed25519Key::public_key() const {
  std::string out(32, '\0');
  std::size_t length = out.size();
  if (EVP_PKEY_get_raw_public_key(state_->key, MutableBytes(out), &length) != 1 || length != 32) return {};
  return out;
}

StatusOr<std::string> Ed25519Key::Sign(std::string_view message) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::string out(64, '\0');
  std::size_t length = out.size();
  const bool ok = ctx != nullptr && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, state_->key) == 1 &&
                  EVP_DigestSign(ctx, MutableBytes(out), &length,
                                 reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1 &&
                  length == 64;
  EVP_MD_CTX_free(ctx);
  if (!ok) return OpenSslError("Ed25519 sign");
  return out;
}

bool Ed25519Verify(std::string_view public_key, std::string_view message, std::string_view signature) {
  if (public_key.size() != 32 || signature.size() != 64) return false;
  EVP_PKEY* key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                              reinterpret_cast<const unsigned char*>(public_key.data()), 32);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = key != nullptr && ctx != nullptr && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
                  EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), 64,
                                   reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return ok;
}

}  // namespace archived::crypto
