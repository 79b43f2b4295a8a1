// Cryptographic primitives on OpenSSL 3 (the only OpenSSL user in the tree): random bytes,
// SHA-256, constant-time comparison, AES-256-GCM with 16-byte tags, and AES key wrap with
// padding (RFC 5649) for envelope keys. Key material never appears in a Status message.
// All functions are thread-safe; Sha256 objects are not (use one per thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "archived/base/status.h"

namespace archived::crypto {

inline constexpr std::size_t kKeyBytes = 32;    // AES-256
inline constexpr std::size_t kNonceBytes = 12;  // GCM
inline constexpr std::size_t kTagBytes = 16;    // GCM tags are always 16 bytes here
inline constexpr std::size_t kSha256Bytes = 32;

// A 256-bit secret key, wiped from memory when destroyed. Move-only.
class SecretKey {
 public:
  // Errors: kInvalidArgument unless `bytes` is exactly kKeyBytes long.
  static StatusOr<SecretKey> FromBytes(std::string_view bytes);
  // Errors: kInternal if the system's random source fails.
  static StatusOr<SecretKey> Generate();
  // `count` keys from one draw of the random source: each draw costs OpenSSL 3's fork and
  // reseed checks (four getpid system calls here), so key batches draw once. Errors as Generate.
  static StatusOr<std::vector<SecretKey>> GenerateMany(std::size_t count);
  SecretKey(SecretKey&& other) noexcept;
  SecretKey& operator=(SecretKey&& other) noexcept;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  ~SecretKey();
  std::string_view bytes() const { return bytes_; }

 private:
  SecretKey() = default;
  std::string bytes_;
};

// Cryptographically secure random bytes. Errors: kInternal if the random source fails.
StatusOr<std::string> RandomBytes(std::size_t count);

// scrypt (RFC 7914) of `password` and `salt` with cost n (a power of two), block size r and
// parallelism p, `bytes` long. Uses about 128·n·r bytes of memory.
// Errors: kInvalidArgument for parameters OpenSSL refuses; kInternal otherwise.
StatusOr<std::string> Scrypt(std::string_view password, std::string_view salt, std::uint64_t n, std::uint32_t r,
                             std::uint32_t p, std::size_t bytes);

// True if `a` and `b` are equal, in time independent of where they differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Incremental SHA-256.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(std::string_view data);
  // The 32-byte digest; the object must not be used afterwards.
  std::string Finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};
std::string Sha256Of(std::string_view data);

// AES-256-GCM into `out` at offset `out_offset` (ciphertext || tag); `out` is resized to fit
// and its capacity reused. Errors as SealAes256Gcm.
Status SealAes256GcmInto(const SecretKey& key, std::string_view nonce, std::string_view plaintext,
                         std::string_view associated_data, std::string* out, std::size_t out_offset);
// Opens into `out` (replaced, capacity reused). Errors as OpenAes256Gcm.
Status OpenAes256GcmInto(const SecretKey& key, std::string_view nonce, std::string_view sealed,
                         std::string_view associated_data, std::string* out);

// AES-256-GCM. Seal returns ciphertext || 16-byte tag.
// Errors: kInvalidArgument for a nonce that is not kNonceBytes long; kInternal on OpenSSL
// failure.
StatusOr<std::string> SealAes256Gcm(const SecretKey& key, std::string_view nonce,
                                    std::string_view plaintext, std::string_view associated_data);
// Errors: kDataLoss when the input is shorter than a tag or fails authentication (wrong key,
// nonce, associated data, or any changed byte); no plaintext is returned then.
StatusOr<std::string> OpenAes256Gcm(const SecretKey& key, std::string_view nonce,
                                    std::string_view sealed, std::string_view associated_data);

// Wraps `key` under `kek` with AES-256 key wrap with padding (RFC 5649).
StatusOr<std::string> WrapKey(const SecretKey& kek, const SecretKey& key);
// Errors: kDataLoss if `wrapped` was not made by WrapKey under this `kek`.
StatusOr<SecretKey> UnwrapKey(const SecretKey& kek, std::string_view wrapped);

// HKDF with SHA-256 (RFC 5869): `bytes` of key material for `info` from `key` and `salt`.
// Errors: kInternal.
StatusOr<std::string> HkdfSha256(std::string_view key, std::string_view salt, std::string_view info,
                                 std::size_t bytes);

// An Ed25519 signing key (RFC 8032), made from a 32-byte seed. Move-only; the seed is wiped.
class Ed25519Key {
 public:
  // Errors: kInvalidArgument unless the seed is 32 bytes; kInternal.
  static StatusOr<Ed25519Key> FromSeed(std::string_view seed);
  Ed25519Key(Ed25519Key&&) noexcept;
  Ed25519Key& operator=(Ed25519Key&&) noexcept;
  ~Ed25519Key();
  std::string public_key() const;  // 32 bytes
  // The 64-byte signature of `message`. Errors: kInternal.
  StatusOr<std::string> Sign(std::string_view message) const;

 private:
  Ed25519Key() = default;
  struct State;
  std::unique_ptr<State> state_;
};

// True if `signature` is `public_key`'s Ed25519 signature of `message`.
bool Ed25519Verify(std::string_view public_key, std::string_view message, std::string_view signature);

}  // namespace archived::crypto
